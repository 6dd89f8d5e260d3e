import fp from 'fastify-plugin';
import { PUBLIC_SIGNING_KEY_IDS } from '@cloud-backend/shared';
import type { Config } from './config.js';
import {
  openKeyFile,
  readKeyFile,
  SigningKeyError,
  SigningKeys,
  type KeyFile,
} from './domain/signing-keys.js';

type SigningKeyConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'ALLOW_PUBLIC_SECRETS'
  | 'JWT_SIGNING_KEYS_FILE'
  | 'JWT_SIGNING_KEYS_CREATE'
  | 'JWT_SIGNING_ALGORITHM'
  | 'JWT_SIGNING_KEYS_RELOAD_MS'
>;

/**
 * The signing keys of JWT_SIGNING_KEYS_FILE (read again every JWT_SIGNING_KEYS_RELOAD_MS by
 * the plugin below). One clear line when they are unusable: auth-service does not start without
 * a key to sign with.
 */
export async function openSigningKeys(config: SigningKeyConfig): Promise<SigningKeys> {
  const file = await openKeyFile(
    config.JWT_SIGNING_KEYS_FILE,
    config.JWT_SIGNING_KEYS_CREATE,
    config.JWT_SIGNING_ALGORITHM,
  );
  return SigningKeys.fromFile(refusePublishedKeys(file, config));
}

/**
 * In production, a key the repository publishes (the Kubernetes development overlay's, the
 * tests') would let anyone sign tokens: refused like the published development secrets
 * (shared/src/public-secrets.ts), unless ALLOW_PUBLIC_SECRETS says this is a development stack.
 */
function refusePublishedKeys(file: KeyFile, config: SigningKeyConfig): KeyFile {
  if (config.NODE_ENV !== 'production' || config.ALLOW_PUBLIC_SECRETS) return file;
  const published = file.keys.find((key) => PUBLIC_SIGNING_KEY_IDS.includes(key.kid));
  if (published) {
    throw new SigningKeyError(
      `JWT_SIGNING_KEYS_FILE holds ${published.kid}, a published development key, refused ` +
        'in production; create a key of your own (npm run rotate-signing-key)',
    );
  }
  return file;
}

declare module 'fastify' {
  interface FastifyInstance {
    signingKeys: SigningKeys;
  }
}

/**
 * Decorates the app with the keys and, with a key file, reads it again every reload period: a
 * rotation step (rotate-signing-key) reaches every replica that mounts the file, no restart. A
 * file that cannot be read or is invalid keeps the keys as they were, with an error logged.
 */
export const signingKeysPlugin = fp<{ keys: SigningKeys; config: SigningKeyConfig }>(
  async (app, { keys, config }) => {
    app.decorate('signingKeys', keys);
    const path = config.JWT_SIGNING_KEYS_FILE;
    let reading = false;
    const timer = setInterval(() => {
      if (reading) return;
      reading = true;
      readKeyFile(path)
        .then((file) => refusePublishedKeys(file, config))
        .then((file) => {
          const before = keys.activeKid;
          keys.replace(file);
          if (keys.activeKid !== before) {
            app.log.info({ kid: keys.activeKid }, 'signing with a new access-token key');
          }
        })
        .catch((err: unknown) => {
          app.log.error({ err: (err as Error).message }, 'signing keys not reloaded');
        })
        .finally(() => {
          reading = false;
        });
    }, config.JWT_SIGNING_KEYS_RELOAD_MS);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'auth-signing-keys', fastify: '5.x' },
);
