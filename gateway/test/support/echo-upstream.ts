import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an upstream saw of one request. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  bytes: Buffer;
}

export type Responder = (request: Received, response: ServerResponse) => boolean | undefined;

export interface EchoUpstream {
  url: string;
  received: Received[];
  /** The last request whose url starts with `prefix`. */
  last(prefix?: string): Received | undefined;
  /** Handles some requests itself (returns true); the rest are echoed. */
  respond(responder: Responder | undefined): void;
  close(): Promise<void>;
}

/**
 * A real HTTP upstream that answers every request with what it received, as JSON, so a test
 * can see exactly which path, query, headers and body the gateway forwarded. /health/ready,
 * /-/ready and the revocation feed answer as the real services do.
 */
export async function echoUpstream(): Promise<EchoUpstream> {
  const received: Received[] = [];
  let responder: Responder | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const seen: Received = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        bytes: Buffer.concat(chunks),
      };
      if (seen.url === '/health/ready' || seen.url === '/-/ready') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      if (responder?.(seen, response)) return;
      if (seen.url.startsWith('/internal/revocations')) {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ revocations: [], cursor: '0', has_more: false }));
        return;
      }
      received.push(seen);
      response
        .writeHead(200, {
          'content-type': 'application/json',
          // The gateway owns CORS: an upstream's own header must not reach the client.
          'access-control-allow-origin': 'http://upstream.example',
        })
        .end(JSON.stringify({ ...seen, bytes: undefined }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    last: (prefix = '') => received.filter((r) => r.url.startsWith(prefix)).at(-1),
    respond: (next) => {
      responder = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
