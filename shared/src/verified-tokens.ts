/**
 * Access tokens verified recently, by the whole token string, until their `exp`. A client sends
 * the same token with every request until it expires, so a repeat skips the decoding and the
 * HMAC: the larger part of what a request costs the gateway (bench/gateway). Only tokens that
 * passed every check are added, so a hit is exactly a token that would pass again now; the
 * session check (revocation) is not cached and still runs on every request.
 *
 * (fast-jwt has a cache too, but keys it by a SHA-256 of the token, which costs about as much
 * per request as what it saves, and warns about any other key.)
 */
export class VerifiedTokens<Claims extends { exp: number }> {
  private readonly entries = new Map<string, Claims>();

  constructor(private readonly max: number) {}

  /** The claims of `token` if it was verified and has not expired at `nowMs`. */
  get(token: string, nowMs: number): Claims | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    if (claims.exp * 1000 <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  add(token: string, claims: Claims): void {
    // The oldest entry goes first (a Map iterates in insertion order).
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, claims);
  }

  get size(): number {
    return this.entries.size;
  }
}
