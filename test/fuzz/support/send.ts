import { Agent } from 'node:http';
import { send, type Answer } from '../../../gateway/test/support/http.js';

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
  // Node frames a body on GET, DELETE or OPTIONS only when told how: without these headers its
  // bytes would follow the request unframed, which is this client's mistake, not a case.
  const framing: Record<string, string> =
    fuzz.body === undefined
      ? {}
      : fuzz.chunked
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(Buffer.byteLength(fuzz.body)) };
  return send(baseUrl, {
    method: fuzz.method,
    path: fuzz.path,
    headers: { ...fuzz.headers, ...framing },
    ...(fuzz.body === undefined ? {} : { body: fuzz.body }),
    chunked: fuzz.chunked,
    agent,
    timeoutMs: ANSWER_WITHIN_MS,
  });
}
