import { createHash, createPublicKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';

/**
 * The keys access tokens are verified with (docs/security.md#access-token-keys): auth-service
 * signs with a private Ed25519 (`EdDSA`) or P-256 (`ES256`) key and publishes the public halves
 * as a JSON Web Key Set at /.well-known/jwks.json; every verifier holds only those.
 *
 * fast-jwt verifies (it is what @fastify/jwt is built on, already a dependency of every service)
 * and Node's crypto reads and writes JWKs, so no other JOSE library is needed.
 */

/** The algorithms auth-service signs access tokens with. */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** One public key of the set, as published. */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

export interface JwkSet {
  keys: PublicJwk[];
}

/** Verifies a token's signature and registered claims (exp, nbf); returns its payload. */
export type TokenVerify = (token: string) => unknown;

/** Where a verifier finds the key of a `kid`. */
export interface AccessTokenKeys {
  /**
   * The verify function of `kid`, or undefined when no such key is published. Synchronous when
   * the key is already known; a promise when the set must be fetched first. Throws (or rejects
   * with) KeysUnavailableError when the set cannot be had, so that nobody can tell whether the
   * key exists.
   */
  lookup(kid: string): TokenVerify | undefined | Promise<TokenVerify | undefined>;
}

/** The key set could not be read: no token with that kid can be checked (503, not 401). */
export class KeysUnavailableError extends Error {
  constructor(reason: string) {
    super(`signing keys unavailable: ${reason}`);
    this.name = 'KeysUnavailableError';
  }
}

const CURVE_OF: Record<SigningAlgorithm, { kty: PublicJwk['kty']; crv: PublicJwk['crv'] }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
};

/** The RFC 7638 thumbprint of a public key: a kid that names the key itself. */
export function jwkThumbprint(jwk: Pick<PublicJwk, 'kty' | 'crv' | 'x' | 'y'>): string {
  // The required members in lexicographic order, no whitespace (RFC 7638 section 3).
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The published form of a key: the public members only, whatever `jwk` also holds. */
export function publicJwk(jwk: PublicJwk & { d?: string }): PublicJwk {
  return {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    ...(jwk.y !== undefined ? { y: jwk.y } : {}),
    kid: jwk.kid,
    alg: jwk.alg,
    use: 'sig',
  };
}

/** A published key's shape, checked: the algorithm matches the curve, the kid is set. */
export function isPublicJwk(value: unknown): value is PublicJwk {
  const jwk = value as Partial<PublicJwk> | null;
  if (jwk === null || typeof jwk !== 'object') return false;
  if (typeof jwk.kid !== 'string' || jwk.kid === '' || typeof jwk.x !== 'string') return false;
  if (!SIGNING_ALGORITHMS.includes(jwk.alg as SigningAlgorithm)) return false;
  const curve = CURVE_OF[jwk.alg as SigningAlgorithm];
  if (jwk.kty !== curve.kty || jwk.crv !== curve.crv) return false;
  return jwk.kty === 'OKP' || typeof jwk.y === 'string';
}

/**
 * A verify function for one public key, restricted to that key's algorithm (no algorithm
 * confusion: an HS256 token never reaches it). `exp` is required.
 */
export function keyVerifier(jwk: PublicJwk): TokenVerify {
  const { kty, crv, x, y } = jwk;
  const pem = createPublicKey({
    key: { kty, crv, x, ...(y !== undefined ? { y } : {}) },
    format: 'jwk',
  }).export({ type: 'spki', format: 'pem' });
  return createVerifier({ key: pem, algorithms: [jwk.alg], requiredClaims: ['exp'] });
}

/** The verify functions of a key set by kid; keys of another shape are left out. */
export function verifiersOf(set: unknown): Map<string, TokenVerify> {
  const verifiers = new Map<string, TokenVerify>();
  const keys = (set as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return verifiers;
  for (const key of keys) {
    if (!isPublicJwk(key) || verifiers.has(key.kid)) continue;
    try {
      verifiers.set(key.kid, keyVerifier(key));
    } catch {
      // A key Node cannot read (bad coordinates) verifies nothing.
    }
  }
  return verifiers;
}

/** The `kid` and `alg` of a compact JWS's header, or undefined when it cannot be read. */
export function tokenHeader(token: string): { alg?: unknown; kid?: unknown } | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString());
    return header !== null && typeof header === 'object' ? header : undefined;
  } catch {
    return undefined;
  }
}

export interface RemoteKeySetOptions {
  /** auth-service's key set, e.g. http://auth-service:3001/.well-known/jwks.json (JWKS_URL). */
  url: string;
  /** How old the set may be before it is read again, in the background (JWKS_REFRESH_MS). */
  refreshMs: number;
  /**
   * How long the last set read stays trusted while auth-service cannot be reached; after it,
   * nothing is accepted (fail closed). At least refreshMs.
   */
  maxStalenessMs: number;
  /** The shortest time between two reads: an unknown kid never makes more than this. */
  minRefetchMs: number;
  timeoutMs: number;
  /** Told when a read fails (a warning in the log). */
  onError?: (err: Error) => void;
  now?: () => number;
}

/**
 * A verifier's copy of auth-service's published keys. Read on first use, read again in the
 * background once older than refreshMs, and at once (at most every minRefetchMs) when a token
 * names a kid it does not hold: how a key published by a rotation is picked up. While
 * auth-service cannot be reached the last set read is kept for maxStalenessMs, then every token
 * is refused with KeysUnavailableError.
 */
export class RemoteKeySet implements AccessTokenKeys {
  private verifiers = new Map<string, TokenVerify>();
  private fetchedAt: number | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastReadFailed = false;
  private inflight: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: RemoteKeySetOptions) {
    this.now = options.now ?? Date.now;
  }

  lookup(kid: string): TokenVerify | undefined | Promise<TokenVerify | undefined> {
    const now = this.now();
    const age = this.fetchedAt === undefined ? Infinity : now - this.fetchedAt;
    if (age > this.options.maxStalenessMs) return this.fetchThenLookup(kid, now);
    if (age > this.options.refreshMs && this.mayFetch(now)) void this.refresh().catch(() => {});
    const verify = this.verifiers.get(kid);
    if (verify !== undefined) return verify;
    // An unknown kid: a key published since the last read, or a forgery. Read again unless a
    // read was tried moments ago (forged kids must not make a verifier hammer auth-service).
    if (!this.mayFetch(now) && this.inflight === undefined) {
      // Moments after a failed read it cannot be known whether the key exists.
      if (this.lastReadFailed)
        throw new KeysUnavailableError('the last read of the key set failed');
      return undefined;
    }
    return this.fetchThenLookup(kid, now);
  }

  private mayFetch(now: number): boolean {
    return now - this.lastAttempt >= this.options.minRefetchMs;
  }

  private async fetchThenLookup(kid: string, now: number): Promise<TokenVerify | undefined> {
    if (this.inflight === undefined && !this.mayFetch(now)) {
      // The last read failed moments ago (else the set would be current): still unknown.
      throw new KeysUnavailableError('the last read of the key set failed');
    }
    try {
      await this.refresh();
    } catch (err) {
      throw new KeysUnavailableError((err as Error).message);
    }
    return this.verifiers.get(kid);
  }

  /** Reads the set once; concurrent callers share the read. */
  refresh(): Promise<void> {
    this.inflight ??= this.read().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async read(): Promise<void> {
    this.lastAttempt = this.now();
    try {
      const response = await fetch(this.options.url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) throw new Error(`${this.options.url} answered ${response.status}`);
      const verifiers = verifiersOf(await response.json());
      if (verifiers.size === 0) throw new Error(`${this.options.url} holds no usable key`);
      this.verifiers = verifiers;
      this.fetchedAt = this.now();
      this.lastReadFailed = false;
    } catch (err) {
      this.lastReadFailed = true;
      const error = err instanceof Error ? err : new Error(String(err));
      this.options.onError?.(error);
      throw error;
    }
  }

  /** Whether a set has been read and is still trusted (for readiness). */
  get current(): boolean {
    return (
      this.fetchedAt !== undefined && this.now() - this.fetchedAt <= this.options.maxStalenessMs
    );
  }
}

/** A fixed set of public keys (auth-service verifying its own tokens uses its live store). */
export class StaticKeySet implements AccessTokenKeys {
  private readonly verifiers: Map<string, TokenVerify>;

  constructor(set: JwkSet) {
    this.verifiers = verifiersOf(set);
  }

  lookup(kid: string): TokenVerify | undefined {
    return this.verifiers.get(kid);
  }
}
