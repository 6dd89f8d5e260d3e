import { HttpError, type ErrorBody, parseRfc3339, ZERO_TIME_UTC } from '@cloud-backend/shared';
import type { Static } from 'typebox';
import { characterLength, isStorableText } from '../lib/text.js';
import type { NewSocialLog } from '../repositories/social-logs.js';
import {
  CONTENT_MAX,
  SOCIAL_MAX,
  STATUS_MAX,
  type NewSocialLogBody,
} from '../schemas/social-logs.js';

/** The original's answer to a body it cannot parse, with a code added. */
export const INVALID_BODY: ErrorBody = { error: 'Invalid body', code: 'INVALID_BODY' };
/** The original's answer to an empty, null or absent field, with a code added. */
export const MISSING_FIELDS: ErrorBody = { error: 'Missing fields', code: 'MISSING_FIELDS' };

const LIMITS = { social: SOCIAL_MAX, content: CONTENT_MAX, status: STATUS_MAX } as const;

function fail(body: ErrorBody, details?: unknown): never {
  throw new HttpError(400, body.code, body.error, details);
}

/**
 * The original's checks in its order (docs/compatibility.md#social-log-post), then the ones the
 * port adds (#fix-social-log):
 *   1. a timestamp that is not RFC 3339 (the empty string included) is "Invalid body": the
 *      original's JSON decoder refused it before looking at anything else;
 *   2. an absent, null or empty field, or Go's zero time, is "Missing fields";
 *   3. a field longer than its column is FIELD_TOO_LONG, U+0000 or a lone surrogate is
 *      INVALID_CHARACTERS (both were 500 "DB error" in the original).
 * Strings are stored as sent: no trimming, no allow-list, as in the original.
 */
export function parseSocialLogEntry(
  body: Static<typeof NewSocialLogBody>,
): Omit<NewSocialLog, 'userId'> {
  const instant = typeof body.timestamp === 'string' ? parseRfc3339(body.timestamp) : undefined;
  if (typeof body.timestamp === 'string' && !instant) fail(INVALID_BODY);

  const { social, content, status } = body;
  if (!social || !content || !status || !instant || instant.utc === ZERO_TIME_UTC) {
    fail(MISSING_FIELDS);
  }
  const fields = { social, content, status };

  const tooLong = Object.entries(LIMITS)
    .filter(([name, max]) => characterLength(fields[name as keyof typeof LIMITS]) > max)
    .map(([name, max]) => ({
      field: `body.${name}`,
      message: `must be at most ${max} characters`,
    }));
  if (tooLong.length > 0) {
    fail({ error: 'Field too long', code: 'FIELD_TOO_LONG' }, tooLong);
  }
  const unstorable = Object.entries(fields)
    .filter(([, value]) => !isStorableText(value))
    .map(([name]) => ({
      field: `body.${name}`,
      message: 'must not contain U+0000 or unpaired surrogates',
    }));
  if (unstorable.length > 0) {
    fail({ error: 'Invalid characters', code: 'INVALID_CHARACTERS' }, unstorable);
  }
  return { ...fields, timestamp: instant.utc };
}
