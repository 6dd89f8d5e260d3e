import type { Dispatcher } from 'undici';
import { internalAuthorization } from '@cloud-backend/shared';
import type { Revocation } from './revoked-sessions.js';

export interface FeedPage {
  revocations: Revocation[];
  cursor: string;
  hasMore: boolean;
}

/** What reads one page of the feed after a cursor. */
export type ReadFeed = (since: string) => Promise<FeedPage>;

const PAGE_SIZE = 1000;
const POSITION = /^\d{1,18}$/;

interface WireRevocation {
  id: string;
  session_id: string;
  expires_at: string;
}

function isWireRevocation(value: unknown): value is WireRevocation {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return (
    typeof row.id === 'string' &&
    POSITION.test(row.id) &&
    typeof row.session_id === 'string' &&
    row.session_id.length > 0 &&
    typeof row.expires_at === 'string' &&
    !Number.isNaN(Date.parse(row.expires_at))
  );
}

/** The body of GET /internal/revocations, checked: a malformed answer must not half-apply. */
export function parseFeedPage(body: unknown): FeedPage {
  const page = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { revocations, cursor } = page;
  if (
    !Array.isArray(revocations) ||
    !revocations.every(isWireRevocation) ||
    typeof cursor !== 'string' ||
    !POSITION.test(cursor) ||
    typeof page.has_more !== 'boolean'
  ) {
    throw new Error('the revocation feed answered with an unexpected body');
  }
  return {
    revocations: revocations.map((row) => ({
      id: row.id,
      sessionId: row.session_id,
      expiresAt: Date.parse(row.expires_at),
    })),
    cursor,
    hasMore: page.has_more,
  };
}

/**
 * Reads auth-service's revocation feed over the auth upstream's pool, with the service
 * credential. Any answer but 200 with a well-formed page is an error.
 */
export function feedReader(pool: Dispatcher, token: string, timeoutMs: number): ReadFeed {
  return async (since) => {
    const response = await pool.request({
      method: 'GET',
      path: `/internal/revocations?since=${since}&limit=${PAGE_SIZE}`,
      headers: { authorization: internalAuthorization(token), accept: 'application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`the revocation feed answered ${response.statusCode}`);
    }
    return parseFeedPage(await response.body.json());
  };
}
