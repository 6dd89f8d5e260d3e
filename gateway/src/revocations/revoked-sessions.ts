/** One entry of auth-service's revocation feed (docs/sessions-and-revocation.md). */
export interface Revocation {
  /** Feed position: a bigint as text, increasing in commit order. */
  id: string;
  /** The `sid` claim of the session's access tokens. */
  sessionId: string;
  /** Milliseconds since the epoch after which no access token of the session is alive. */
  expiresAt: number;
}

/** a > b for feed positions (bigints as text). */
export function isAfter(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

/**
 * The revoked sessions whose access tokens may still be alive, in memory, so that checking a
 * token costs one Map lookup. Entries leave once their tokens have expired anyway.
 */
export class RevokedSessions {
  private readonly sessions = new Map<string, number>();
  private position = '0';

  /** The feed position up to which every revocation has been applied. */
  get cursor(): string {
    return this.position;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Applies revocations (in feed order, or not: the cursor only moves forward). */
  apply(revocations: Iterable<Revocation>, now = Date.now()): void {
    for (const revocation of revocations) {
      if (revocation.expiresAt > now) {
        const known = this.sessions.get(revocation.sessionId) ?? 0;
        this.sessions.set(revocation.sessionId, Math.max(known, revocation.expiresAt));
      }
      if (isAfter(revocation.id, this.position)) this.position = revocation.id;
    }
  }

  /** Moves the cursor to an answer's cursor even when the answer held nothing new. */
  advanceTo(cursor: string): void {
    if (isAfter(cursor, this.position)) this.position = cursor;
  }

  isRevoked(sessionId: string, now = Date.now()): boolean {
    const expiresAt = this.sessions.get(sessionId);
    if (expiresAt === undefined) return false;
    if (expiresAt > now) return true;
    this.sessions.delete(sessionId);
    return false;
  }

  /** Forgets sessions whose tokens have all expired. */
  prune(now = Date.now()): void {
    for (const [sessionId, expiresAt] of this.sessions) {
      if (expiresAt <= now) this.sessions.delete(sessionId);
    }
  }
}
