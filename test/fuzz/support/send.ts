import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { Answer } from '../../../gateway/test/support/http.js';

export interface RawRequest {
  method: string;
  /** Sent exactly as written. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  chunked: boolean;
}

const ANSWER_WITHIN_MS = 15_000;

/**
 * Keep-alive connections, as a browser or a mobile app would use: a new connection per case
 * costs the client and the gateway (the same process here) more than most cases do. A
 * connection the gateway closes (after a malformed request, say) is simply not reused.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function closeConnections(): void {
  agent.destroy();
}

/** One request to the gateway; rejects if the connection fails or no answer comes in time. */
export function sendRaw(baseUrl: string, fuzz: RawRequest): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  // Node frames a body on GET, DELETE or OPTIONS only when told how: without these headers its
  // bytes would follow the request unframed, which is this client's mistake, not a case.
  const framing: Record<string, string> =
    fuzz.body === undefined
      ? {}
      : fuzz.chunked
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(Buffer.byteLength(fuzz.body)) };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: hostname,
        port,
        agent,
        method: fuzz.method,
        path: fuzz.path,
        headers: { ...fuzz.headers, ...framing },
        timeout: ANSWER_WITHIN_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
            json: <T>() => JSON.parse(text) as T,
            elapsed: performance.now() - started,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => {
      outgoing.destroy(new Error(`no answer within ${String(ANSWER_WITHIN_MS)} ms`));
    });
    outgoing.on('error', reject);
    if (fuzz.body !== undefined && fuzz.chunked) {
      const body = Buffer.from(fuzz.body);
      const half = Math.floor(body.length / 2);
      outgoing.write(body.subarray(0, half));
      outgoing.end(body.subarray(half));
    } else {
      outgoing.end(fuzz.body);
    }
  });
}

/**
 * Bytes written to the gateway as they are (what an HTTP client refuses to send), and every
 * byte that comes back until the gateway closes the connection.
 */
export function exchangeBytes(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed connection may be dropped before a proxied answer
    // comes back. The request's Connection: close, or the parser's refusal, ends it.
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.from(bytes, 'latin1'));
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(ANSWER_WITHIN_MS, () => socket.destroy(new Error('no end of answer')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
