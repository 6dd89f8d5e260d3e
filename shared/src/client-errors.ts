import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ErrorBody } from './errors.js';

const ANSWERS: Record<string, { status: number; body: ErrorBody }> = {
  // The original's edge answered these in plain text; the words are kept
  // (docs/compatibility.md#gateway-errors).
  HPE_HEADER_OVERFLOW: {
    status: 431,
    body: { error: 'Request Header Fields Too Large', code: 'HEADERS_TOO_LARGE' },
  },
  HPE_INVALID_METHOD: {
    status: 400,
    body: { error: 'Invalid http method', code: 'INVALID_METHOD' },
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    body: { error: 'Request Timeout', code: 'REQUEST_TIMEOUT' },
  },
};
const MALFORMED = { status: 400, body: { error: 'Malformed HTTP request', code: 'BAD_REQUEST' } };

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (a request line or headers over
 * the size limit, a CR or LF inside a header, an unframed body): Fastify's default answer has no
 * `code`, so these keep the JSON error model here (docs/compatibility.md#errors). As Fastify's own
 * handler does, the connection is then closed: the parser cannot read past the bad bytes.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body } = (error.code && ANSWERS[error.code]) || MALFORMED;
  this.log.debug({ err: error }, 'malformed request');
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? ''}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${String(Buffer.byteLength(text))}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
