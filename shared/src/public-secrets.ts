/**
 * Every secret value the repository publishes: the development defaults of docker-compose.yml,
 * the ones .env.example and the README show. Anyone can read them, so a production process
 * refuses to start with any of them (config.ts); test/public-secrets.test.ts keeps this list
 * in step with those files. Every one starts with PUBLIC_SECRET_PREFIX, and so must any new one.
 */
export const PUBLIC_SECRET_PREFIX = 'development-only-';

export const PUBLIC_SECRETS: readonly string[] = [
  'development-only-jwt-secret-0123456789abcdef',
  'development-only-internal-token-0123456789ab',
  'development-only-admin',
  'development-only-grafana',
  'development-only-postgres',
  'development-only-auth',
  'development-only-auth-readonly',
  'development-only-user',
  'development-only-user-readonly',
  'development-only-social',
  'development-only-social-app',
  'development-only-mfa-encryption-key-0123456789',
];

/**
 * The kids of the private signing keys the repository publishes: the Kubernetes development
 * overlay's and the tests' (shared/src/testing/test-signing-keys.json). A production
 * auth-service refuses to sign with them (auth-service/src/signing-keys-plugin.ts), as it
 * refuses the secrets above; test/public-secrets.test.ts keeps this list in step with the files.
 */
export const PUBLIC_SIGNING_KEY_IDS: readonly string[] = [
  'gZwApFrczTeC5d8Nc7q6Z4Q8aiJB9CP4BCQuol7lOQQ',
  'G0T8TYIDDQPlCI8BhU74WUbwYzDRUX1xjLt5iksgX9Q',
];

export function isPublicSecret(value: string): boolean {
  return value.startsWith(PUBLIC_SECRET_PREFIX) || PUBLIC_SECRETS.includes(value);
}

/** The password of a URL such as postgres://user:password@host/db, if it has one. */
function urlPassword(value: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return null;
  try {
    const password = new URL(value).password;
    return password === '' ? null : decodeURIComponent(password);
  } catch {
    return null;
  }
}

/**
 * The settings holding a public secret, as the whole value or as the password of a URL (or of
 * any URL in a comma list). Names only: the values are never printed.
 */
export function settingsWithPublicSecrets(settings: Record<string, unknown>): string[] {
  return Object.entries(settings)
    .filter(([, value]) => {
      if (typeof value !== 'string') return false;
      return value
        .split(',')
        .map((part) => part.trim())
        .some((part) => isPublicSecret(part) || isPublicSecret(urlPassword(part) ?? ''));
    })
    .map(([name]) => name);
}
