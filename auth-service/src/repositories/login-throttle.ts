import type { Queryable } from './queryable.js';

/** What a failure is counted against (docs/security.md). */
export type ThrottleScope = 'pair' | 'account' | 'address';

export interface ThrottleKey {
  scope: ThrottleScope;
  key: string;
}

export interface ThrottleLimit extends ThrottleKey {
  /** Failures inside one window that block the key. */
  limit: number;
}

/** The keys among `keys` blocked now, with when each block ends. */
export async function activeBlocks(
  db: Queryable,
  keys: readonly ThrottleKey[],
): Promise<(ThrottleKey & { until: Date })[]> {
  if (keys.length === 0) return [];
  const { rows } = await db.query<{ scope: ThrottleScope; key: string; until: Date }>(
    `SELECT t.scope, t.key, t.blocked_until AS until
       FROM login_throttle t
       JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON t.scope = k.scope AND t.key = k.key
      WHERE t.blocked_until > now()`,
    [keys.map((k) => k.scope), keys.map((k) => k.key)],
  );
  return rows;
}

/**
 * Counts one failure against a key. Failures inside one window of `minutes` add up; reaching
 * the limit blocks the key for `minutes` and starts a new count. One atomic statement, so
 * parallel guesses are all counted.
 */
export async function countFailure(
  db: Queryable,
  { scope, key, limit }: ThrottleLimit,
  minutes: number,
): Promise<{ blockedNow: boolean; until: Date | null }> {
  const inWindow = 't.window_started_at > now() - make_interval(mins => $4)';
  const next = `CASE WHEN ${inWindow} THEN t.failures + 1 ELSE 1 END`;
  const { rows } = await db.query<{ blocked_now: boolean; until: Date | null }>(
    `INSERT INTO login_throttle AS t (scope, key, failures, window_started_at, blocked_until)
     VALUES ($1, $2, CASE WHEN $3 <= 1 THEN 0 ELSE 1 END, now(),
             CASE WHEN $3 <= 1 THEN now() + make_interval(mins => $4) END)
     ON CONFLICT (scope, key) DO UPDATE SET
       failures = CASE WHEN ${next} >= $3 THEN 0 ELSE ${next} END,
       window_started_at = CASE WHEN ${next} >= $3 OR NOT (${inWindow})
                                THEN now() ELSE t.window_started_at END,
       blocked_until = CASE WHEN ${next} >= $3 THEN now() + make_interval(mins => $4)
                            ELSE t.blocked_until END
     RETURNING t.failures = 0 AS blocked_now, t.blocked_until AS until`,
    [scope, key, limit, minutes],
  );
  return { blockedNow: rows[0]?.blocked_now ?? false, until: rows[0]?.until ?? null };
}

/** Forgets a key's failures (the owner proved the password from that address). */
export async function clearFailures(db: Queryable, { scope, key }: ThrottleKey): Promise<void> {
  await db.query('DELETE FROM login_throttle WHERE scope = $1 AND key = $2', [scope, key]);
}

/** Drops counts whose window and block have both ended: they can no longer matter. */
export async function pruneThrottle(db: Queryable, minutes: number): Promise<void> {
  await db.query(
    `DELETE FROM login_throttle
      WHERE window_started_at < now() - make_interval(mins => $1)
        AND (blocked_until IS NULL OR blocked_until < now())`,
    [minutes],
  );
}

/** Remembers that the account signed in from this address. */
export async function rememberAddress(db: Queryable, userId: number, address: string) {
  await db.query(
    `INSERT INTO login_known_addresses (user_id, address) VALUES ($1, $2)
     ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = now()`,
    [userId, address],
  );
}

/** Whether the account signed in from this address within `days`. */
export async function isKnownAddress(
  db: Queryable,
  userId: number,
  address: string,
  days: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM login_known_addresses
      WHERE user_id = $1 AND address = $2 AND last_success_at > now() - make_interval(days => $3)`,
    [userId, address, days],
  );
  return (rowCount ?? 0) > 0;
}
