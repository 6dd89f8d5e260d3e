import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createSigner } from 'fast-jwt';
import {
  isPublicJwk,
  jwkThumbprint,
  keyVerifier,
  publicJwk,
  SIGNING_ALGORITHMS,
  type AccessTokenKeys,
  type JwkSet,
  type PublicJwk,
  type SigningAlgorithm,
  type TokenVerify,
} from '@cloud-backend/shared';

/**
 * auth-service's private signing keys (docs/security.md#access-token-keys). A key is `next`
 * (published, not yet signing: verifiers learn it before any token needs it), `active` (signs
 * every new token; exactly one) or `retiring` (published until `retire_after`, when the last
 * token it signed has expired). rotate-signing-key.ts moves keys through these states.
 */
export type KeyState = 'next' | 'active' | 'retiring';

export interface StoredKey extends PublicJwk {
  d: string;
  state: KeyState;
  /** When it was added (next keys: when verifiers could start learning it). */
  created_at?: string;
  /** Next keys: when it may start signing (every verifier has read the set by then). */
  sign_after?: string;
  /** Retiring keys: when it may be removed. */
  retire_after?: string;
}

export interface KeyFile {
  keys: StoredKey[];
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

const STATES: readonly KeyState[] = ['next', 'active', 'retiring'];

/** A new private key of `algorithm`, named by its thumbprint. */
export function generateKey(
  algorithm: SigningAlgorithm,
  state: KeyState,
  now = new Date(),
): StoredKey {
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return fromPrivateJwk(privateKey.export({ format: 'jwk' }), algorithm, state, now);
}

function fromPrivateJwk(
  jwk: { kty?: string; crv?: string; x?: string; y?: string; d?: string },
  algorithm: SigningAlgorithm,
  state: KeyState,
  now: Date,
): StoredKey {
  const key = {
    kty: jwk.kty,
    crv: jwk.crv,
    x: jwk.x,
    ...(jwk.y !== undefined ? { y: jwk.y } : {}),
    kid: '',
    alg: algorithm,
    use: 'sig' as const,
  };
  key.kid = jwkThumbprint(key as PublicJwk);
  if (!isPublicJwk(key) || typeof jwk.d !== 'string') {
    throw new SigningKeyError(`not an ${algorithm} private key`);
  }
  return { ...key, d: jwk.d, state, created_at: now.toISOString() };
}

function algorithmOfCurve(crv: string | undefined): SigningAlgorithm {
  if (crv === 'Ed25519') return 'EdDSA';
  if (crv === 'P-256') return 'ES256';
  throw new SigningKeyError('a signing key must be Ed25519 (EdDSA) or P-256 (ES256)');
}

/**
 * Reads a key file's text: the JSON store ({"keys":[...]}), or one PEM private key (PKCS#8 or
 * SEC1), which then is the active key. Throws SigningKeyError with one line saying what is wrong.
 */
export function parseKeyFile(text: string): KeyFile {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    let jwk;
    try {
      jwk = createPrivateKey(trimmed).export({ format: 'jwk' });
    } catch {
      throw new SigningKeyError('the PEM text is not a private key');
    }
    return { keys: [fromPrivateJwk(jwk, algorithmOfCurve(jwk.crv), 'active', new Date())] };
  }
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    throw new SigningKeyError('neither JSON ({"keys":[...]}) nor a PEM private key');
  }
  const keys = (data as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new SigningKeyError('expected {"keys":[...]} with at least one key');
  }
  const stored = keys.map((raw: unknown, index): StoredKey => {
    const key = (raw ?? {}) as Partial<StoredKey>;
    // A lone key without a state is the active one (a hand-made file of one key).
    const state = key.state ?? (keys.length === 1 ? 'active' : undefined);
    const d = key.d;
    if (!isPublicJwk(key) || typeof d !== 'string' || !STATES.includes(state as KeyState)) {
      throw new SigningKeyError(
        `key ${index + 1}: expected an Ed25519/EdDSA or P-256/ES256 private JWK with kid, ` +
          'alg, d and state (next, active or retiring)',
      );
    }
    return { ...key, d, state: state as KeyState };
  });
  if (stored.filter((key) => key.state === 'active').length !== 1) {
    throw new SigningKeyError('exactly one key must be active');
  }
  if (new Set(stored.map((key) => key.kid)).size !== stored.length) {
    throw new SigningKeyError('two keys share a kid');
  }
  return { keys: stored };
}

export async function readKeyFile(path: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SigningKeyError(`cannot read ${path} (${code ?? (err as Error).message})`);
  }
  try {
    return parseKeyFile(text);
  } catch (err) {
    throw new SigningKeyError(`${path}: ${(err as Error).message}`);
  }
}

/** Writes the store whole, readable by its owner only, replacing the old file at once. */
export async function writeKeyFile(path: string, file: KeyFile): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

function privatePem(key: StoredKey): string {
  const { kty, crv, x, y, d } = key;
  return createPrivateKey({
    key: { kty, crv, x, d, ...(y !== undefined ? { y } : {}) },
    format: 'jwk',
  })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

interface Loaded {
  published: JwkSet;
  sign: (claims: object) => string;
  verifiers: Map<string, TokenVerify>;
  activeKid: string;
}

function load(file: KeyFile): Loaded {
  try {
    return loadKeys(file);
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    throw new SigningKeyError(`a key does not load (${(err as Error).message})`);
  }
}

function loadKeys(file: KeyFile): Loaded {
  const active = file.keys.find((key) => key.state === 'active') as StoredKey;
  const signer = createSigner({ key: privatePem(active), algorithm: active.alg, kid: active.kid });
  return {
    published: { keys: file.keys.map((key) => publicJwk(key)) },
    sign: (claims) => signer(claims),
    verifiers: new Map(file.keys.map((key) => [key.kid, keyVerifier(publicJwk(key))])),
    activeKid: active.kid,
  };
}

/**
 * The keys auth-service signs with and publishes, as the key file holds them now: the file is
 * read again every reloadMs, so a rotation step reaches every replica without a restart. A file
 * that cannot be read or is invalid leaves the keys as they were (and is logged).
 */
export class SigningKeys implements AccessTokenKeys {
  private current: Loaded;

  private constructor(file: KeyFile) {
    this.current = load(file);
  }

  static fromFile(file: KeyFile): SigningKeys {
    if (!SIGNING_ALGORITHMS.includes(file.keys[0]?.alg as SigningAlgorithm)) {
      throw new SigningKeyError('no usable key');
    }
    return new SigningKeys(file);
  }

  /** Replaces the keys (a reload); a file that does not load leaves them as they were. */
  replace(file: KeyFile): void {
    this.current = load(file);
  }

  sign(claims: object): string {
    return this.current.sign(claims);
  }

  /** The public key set, as /.well-known/jwks.json serves it. */
  get published(): JwkSet {
    return this.current.published;
  }

  get activeKid(): string {
    return this.current.activeKid;
  }

  /** auth-service verifies the tokens it issued with its own keys, without a request. */
  lookup(kid: string): TokenVerify | undefined {
    return this.current.verifiers.get(kid);
  }
}

/**
 * The key file at `path`; with `create`, a missing file is created with one new active key
 * (make dev, the compose volume): a key is never generated over an existing file.
 */
export async function openKeyFile(
  path: string,
  create: boolean,
  algorithm: SigningAlgorithm,
): Promise<KeyFile> {
  if (create) {
    const file: KeyFile = { keys: [generateKey(algorithm, 'active')] };
    try {
      await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SigningKeyError(`cannot create ${path} (${(err as Error).message})`);
      }
    }
  }
  return readKeyFile(path);
}
