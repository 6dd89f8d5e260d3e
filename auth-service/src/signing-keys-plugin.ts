import fp from 'fastify-plugin';
import type { Config } from './config.js';
import { openKeyFile, readKeyFile, SigningKeys } from './domain/signing-keys.js';

type SigningKeyConfig = Pick<
  Config,
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
  return SigningKeys.fromFile(file);
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
