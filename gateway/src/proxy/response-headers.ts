import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHttpHeaders } from 'node:http2';
import { varyWith } from '../plugins/cors.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) describe the gateway's connection to the upstream, not
// the client's to the gateway: copied, an upstream's "Connection: keep-alive" overrode a
// client's "Connection: close" and held its connection open, and "Keep-Alive: timeout=5"
// announced the upstream's idle timeout instead of the gateway's.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/** Extra hop-by-hop names an upstream lists in its Connection header (rare: usually none). */
function listedInConnection(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const names = (Array.isArray(connection) ? connection.join(',') : connection)
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== 'keep-alive' && entry !== 'close' && entry !== '');
  return names.length > 0 ? new Set(names) : undefined;
}

/**
 * An upstream's response headers as the client receives them: the gateway owns CORS
 * (docs/compatibility.md#fix-cors-headers), so
 * an upstream's own Access-Control-* headers (user-service's and auth-service's allow-lists in
 * the original) are dropped, and so are hop-by-hop headers; the gateway's CORS, helmet and
 * rate-limit headers, set earlier on the reply, then stand. A Vary from the upstream keeps the
 * gateway's `Origin`.
 */
export function clientResponseHeaders(
  headers: IncomingHttpHeaders | Http2IncomingHttpHeaders,
  varyOnOrigin: boolean,
): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  const listed = listedInConnection(headers.connection);
  for (const name in headers) {
    if (name.startsWith('access-control-') || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    result[name] = headers[name];
  }
  if (varyOnOrigin && result.vary !== undefined) result.vary = varyWith(result.vary, 'Origin');
  return result;
}
