import fp from 'fastify-plugin';
import { ConfigError } from '@cloud-backend/shared';
import type { Config } from './config.js';
import {
  openKeyFile,
  parseKeyFile,
  readKeyFile,
  SigningKeyError,
  SigningKeys,
} from './domain/signing-keys.js';

type SigningKeyConfig = Pick<
  Config,
  | 'JWT_SIGNING_KEYS'
  | 'JWT_SIGNING_KEYS_FILE'
  | 'JWT_SIGNING_KEYS_CREATE'
  | 'JWT_SIGNING_ALGORITHM'
  | 'JWT_SIGNING_KEYS_RELOAD_MS'
>;

/**
 * The signing keys a configuration names: the file (read again every
 * JWT_SIGNING_KEYS_RELOAD_MS by watchKeyFile) or the inline setting. One clear line when they
 * are missing or unusable: auth-service does not start without a key to sign with.
 */
export async function openSigningKeys(config: SigningKeyConfig): Promise<SigningKeys> {
  if (config.JWT_SIGNING_KEYS_FILE === undefined && config.JWT_SIGNING_KEYS === undefined) {
    throw new ConfigError([
      {
        variable: 'JWT_SIGNING_KEYS_FILE',
        expected:
          'missing; expected the path of the access-token signing keys (or JWT_SIGNING_KEYS)',
      },
    ]);
  }
  try {
    const file =
      config.JWT_SIGNING_KEYS_FILE !== undefined
        ? await openKeyFile(
            config.JWT_SIGNING_KEYS_FILE,
            config.JWT_SIGNING_KEYS_CREATE,
            config.JWT_SIGNING_ALGORITHM,
          )
        : parseKeyFile(config.JWT_SIGNING_KEYS as string);
    return SigningKeys.fromFile(file);
  } catch (err) {
    if (err instanceof SigningKeyError && config.JWT_SIGNING_KEYS_FILE === undefined) {
      throw new SigningKeyError(`JWT_SIGNING_KEYS: ${err.message}`);
    }
    throw err;
  }
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
    if (path === undefined) return;
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
