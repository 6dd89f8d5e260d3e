import type { EchoUpstream } from './echo-upstream.js';

export interface FakeFeed {
  /** Appends a revocation of `sessionId`, alive for `ttlMs` more. */
  revoke(sessionId: string, ttlMs?: number): void;
  /** Answer with this status instead of the feed (null: answer normally). */
  failWith(status: number | null): void;
  /** The `since` of every read, in order. */
  reads: string[];
  /** Authorization headers the gateway presented. */
  credentials: string[];
}

/**
 * auth-service's GET /internal/revocations on an echo upstream, as docs/sessions-and-revocation.md
 * describes it, with pages of `pageSize` so that has_more is exercised.
 */
export function fakeFeed(upstream: EchoUpstream, pageSize = 2): FakeFeed {
  const rows: {
    id: string;
    session_id: string;
    user_id: number;
    reason: string;
    revoked_at: string;
    expires_at: string;
  }[] = [];
  let failure: number | null = null;
  const feed: FakeFeed = {
    reads: [],
    credentials: [],
    revoke(sessionId, ttlMs = 3_600_000) {
      rows.push({
        id: String(rows.length + 1),
        session_id: sessionId,
        user_id: 1,
        reason: 'logout',
        revoked_at: new Date().toISOString(),
        expires_at: new Date(Date.now() + ttlMs).toISOString(),
      });
    },
    failWith(status) {
      failure = status;
    },
  };
  upstream.respond((request, response) => {
    if (!request.url.startsWith('/internal/revocations')) return false;
    const query = new URL(request.url, 'http://x').searchParams;
    const since = query.get('since') ?? '0';
    feed.reads.push(since);
    feed.credentials.push(String(request.headers.authorization));
    if (failure !== null) {
      response
        .writeHead(failure, { 'content-type': 'application/json' })
        .end('{"error":"x","code":"X"}');
      return true;
    }
    const page = rows.filter((row) => Number(row.id) > Number(since)).slice(0, pageSize);
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        revocations: page,
        cursor: page.at(-1)?.id ?? since,
        has_more: page.length === pageSize,
      }),
    );
    return true;
  });
  return feed;
}
