import type { FastifyBaseLogger } from 'fastify';
import type { LegacyHs256 } from './auth.js';
import { RemoteKeySet } from './jwks.js';

// A token naming a kid the verifier does not hold makes it read the set again, at most this
// often: a stream of forged kids costs auth-service one request per verifier per 5 seconds.
export const MIN_REFETCH_MS = 5000;
const FETCH_TIMEOUT_MS = 5000;

export interface LegacyJwtConfig {
  JWT_SECRET?: string;
  LEGACY_HS256_UNTIL?: string;
}

export interface VerifierJwtConfig extends LegacyJwtConfig {
  JWKS_URL: string;
  JWKS_REFRESH_MS: number;
  JWKS_MAX_STALENESS_MS: number;
}

/**
 * The legacy window of a configuration: both JWT_SECRET and LEGACY_HS256_UNTIL set. Without
 * either, HS256 tokens are refused (docs/security.md#the-legacy-hs256-window).
 */
export function legacyWindow(config: LegacyJwtConfig): LegacyHs256 | undefined {
  if (config.JWT_SECRET === undefined || config.LEGACY_HS256_UNTIL === undefined) return undefined;
  return { secret: config.JWT_SECRET, until: new Date(config.LEGACY_HS256_UNTIL) };
}

/** What a verifying service hands authPlugin: auth-service's published keys and the window. */
export function verifierKeys(
  config: VerifierJwtConfig,
  log?: FastifyBaseLogger,
): { keys: RemoteKeySet; legacy?: LegacyHs256 } {
  const keys = new RemoteKeySet({
    url: config.JWKS_URL,
    refreshMs: config.JWKS_REFRESH_MS,
    maxStalenessMs: Math.max(config.JWKS_MAX_STALENESS_MS, config.JWKS_REFRESH_MS),
    minRefetchMs: MIN_REFETCH_MS,
    timeoutMs: FETCH_TIMEOUT_MS,
    ...(log
      ? {
          onError: (err: Error) => {
            log.warn({ err: err.message }, 'could not read the access-token key set');
          },
        }
      : {}),
  });
  const legacy = legacyWindow(config);
  return legacy ? { keys, legacy } : { keys };
}
