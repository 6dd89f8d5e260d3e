import type { FastifyReply, RawServerBase, RouteGenericInterface } from 'fastify';
import type { ErrorBody } from '@cloud-backend/shared';

export const UPSTREAM_UNAVAILABLE: ErrorBody = {
  error: 'The upstream service is unavailable',
  code: 'UPSTREAM_UNAVAILABLE',
};
export const UPSTREAM_TIMEOUT: ErrorBody = {
  error: 'The upstream service did not answer in time',
  code: 'UPSTREAM_TIMEOUT',
};

// reply-from's names for "the upstream took too long to answer" (undici's headers or body
// timeout). A connect timeout is not among them: an upstream that cannot be reached is down.
const TIMEOUTS = new Set([
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
  'FST_REPLY_FROM_TIMEOUT',
  'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * reply-from's onError: every failure to get an answer from an upstream becomes one JSON answer
 * (docs/compatibility.md#fix-upstream-errors), 504 UPSTREAM_TIMEOUT for a slow upstream and 502
 * UPSTREAM_UNAVAILABLE for everything else (refused, reset, unknown host, connect timeout), never
 * the library's text.
 */
export function answerUpstreamError(
  reply: FastifyReply<RouteGenericInterface, RawServerBase>,
  { error }: { error: Error },
): void {
  const code = (error as { code?: string }).code ?? '';
  const timedOut = TIMEOUTS.has(code);
  // reply-from has already logged the error ("response errored"), with the request's id.
  void reply
    .code(timedOut ? 504 : 502)
    .type('application/json; charset=utf-8')
    .send(timedOut ? UPSTREAM_TIMEOUT : UPSTREAM_UNAVAILABLE);
}
