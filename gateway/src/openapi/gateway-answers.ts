import type { Access } from '../proxy/forward.js';
import type { Header, JsonSchema, Response } from './types.js';

/** The schema every error body of the gateway has (docs/compatibility.md#errors). */
export const ERROR_SCHEMA_NAME = 'Error';

export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Every error: a message and a stable code',
  required: ['error', 'code'],
  properties: {
    error: { type: 'string', description: 'what went wrong, for a person' },
    code: {
      type: 'string',
      description: 'what went wrong, for a program',
      examples: ['RATE_LIMITED'],
    },
    details: { description: 'more about the error, when there is more (validation errors)' },
  },
};

const integer = (description: string): Header => ({ description, schema: { type: 'integer' } });

/** The headers of a 429 (plugins/rate-limits.ts). */
const RATE_LIMIT_HEADERS: Record<string, Header> = {
  'Retry-After': integer('seconds until the window resets and a request may succeed'),
  'RateLimit-Limit': integer('requests allowed per window for this client and route'),
  'RateLimit-Remaining': integer('requests left in the current window'),
  'RateLimit-Reset': integer('seconds until the current window resets'),
};

function errorAnswer(description: string, headers?: Record<string, Header>): Response {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } },
    },
  };
}

/**
 * The answers the gateway itself gives on a route, before or instead of the service's, by the
 * route's access: the checks of the route table (docs/compatibility.md#gateway-routes), the
 * rate limits, the body limit and the upstream's failures (#fix-upstream-errors).
 */
export function gatewayAnswers(access: Access, ownLimit: boolean): Record<string, Response> {
  return {
    400: errorAnswer(
      'The gateway refused the URL: BAD_URL (a malformed percent-encoding), INVALID_PATH ' +
        '("." or ".." segments) or INVALID_TEXT (a NUL character)',
    ),
    ...(access === 'public'
      ? {}
      : {
          401: errorAnswer(
            'JWT_INVALID: the access token is missing, invalid, expired or of a signed-out ' +
              'session (checked at the gateway)',
          ),
        }),
    ...(access === 'admin'
      ? { 403: errorAnswer('ADMIN_REQUIRED: the access token is not an administrator’s') }
      : {}),
    404: errorAnswer('NOT_FOUND: no such route (the gateway never forwards /internal paths)'),
    413: errorAnswer('PAYLOAD_TOO_LARGE: the request body is over 1 MiB'),
    429: errorAnswer(
      ownLimit
        ? 'RATE_LIMITED (every route, per client IP) or this route’s own limit ' +
            '(LOGIN_RATE_LIMITED, REGISTER_RATE_LIMITED)'
        : 'RATE_LIMITED: too many requests from this client IP',
      RATE_LIMIT_HEADERS,
    ),
    502: errorAnswer('UPSTREAM_UNAVAILABLE: the service behind this route could not be reached'),
    503: errorAnswer(
      'OVERLOADED (the gateway sheds load)' +
        (access === 'public'
          ? ''
          : ', or REVOCATIONS_UNAVAILABLE (signed-out sessions cannot be checked yet)') +
        '; or the service itself is unavailable',
    ),
    504: errorAnswer('UPSTREAM_TIMEOUT: the service did not answer in time'),
  };
}
