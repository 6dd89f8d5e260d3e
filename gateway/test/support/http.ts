import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed, typed as the caller says (as light-my-request's json<T>()). */
  // oxlint-disable-next-line typescript/no-unnecessary-type-parameters
  json<T = Record<string, unknown>>(): T;
  /** Milliseconds from sending to the end of the answer. */
  elapsed: number;
}

export interface Send {
  method?: string;
  /** Sent exactly as written: no URL parser resolves dot segments or re-encodes anything. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Stream the body in chunks without a Content-Length. */
  chunked?: boolean;
  /** Keep-alive connections to reuse (default: a new connection per request). */
  agent?: Agent;
  /** Fail the request when no answer has come in this time. */
  timeoutMs?: number;
}

/** One request over a real connection, so the gateway sees the raw request line and a peer. */
export function send(baseUrl: string, options: Send): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: hostname,
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: options.agent ?? false,
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        const answer = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            // oxlint-disable-next-line typescript/no-unnecessary-type-parameters
            json: <T>() => JSON.parse(text) as T,
            elapsed: performance.now() - started,
          });
        };
        // A Server-Sent Events stream does not end on its own: its answer is its first message.
        const stream = /^text\/event-stream/.test(response.headers['content-type'] ?? '');
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (stream && Buffer.concat(chunks).includes('\n\n')) {
            answer();
            response.destroy();
          }
        });
        response.on('end', answer);
        response.on('error', reject);
      },
    );
    request.on('timeout', () => {
      request.destroy(new Error(`no answer within ${String(options.timeoutMs)} ms`));
    });
    request.on('error', reject);
    if (options.body !== undefined && options.chunked) {
      const body = Buffer.from(options.body);
      const half = Math.floor(body.length / 2);
      request.write(body.subarray(0, half));
      request.end(body.subarray(half));
    } else {
      request.end(options.body);
    }
  });
}

/**
 * Bytes written as they are (what an HTTP client refuses to send), and every byte that comes
 * back until the server closes the connection.
 */
export function exchangeBytes(baseUrl: string, bytes: string, timeoutMs = 15_000): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed connection may be dropped before a proxied answer
    // comes back. The request's Connection: close, or the parser's refusal, ends it.
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.from(bytes, 'latin1'));
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('no end of answer')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Listens on a free port of 127.0.0.1 and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** The value of one sample of /metrics, 0 when absent. */
export async function sample(app: FastifyInstance, line: string): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body;
  const found = text.split('\n').find((entry) => entry.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}
