import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  createPool,
  loadConfigOrExit,
  runMigrations,
  waitForDatabase,
} from '@cloud-backend/shared';
import { Type } from 'typebox';
import { configSchema } from './config.js';
import { ensureAdmin } from './domain/admin-bootstrap.js';
import { PasswordHasher } from './domain/passwords.js';
import { readPassword } from './password-input.js';

/**
 * `npm run create-admin -w auth-service [-- --email a@b.c --name Ada --surname Lovelace]`:
 * creates that admin account, or promotes the existing account with that email. The password
 * comes from ADMIN_PASSWORD, a prompt that does not echo it on a terminal, or the first line of
 * stdin when it is a pipe (never a command-line argument, which would land in the shell history
 * and the process list).
 */
const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    name: { type: 'string' },
    surname: { type: 'string' },
  },
});

// Only what this command needs: the service's settings minus the token keys (it signs no token).
const cliSchema = Type.Object({
  ...configSchema.properties,
  JWT_SECRET: Type.Optional(Type.String()),
  JWT_SIGNING_KEYS_FILE: Type.Optional(Type.String()),
});
const config = loadConfigOrExit('create-admin', cliSchema);
const log = pino({ level: config.LOG_LEVEL === 'silent' ? 'silent' : 'warn' });

const email = values.email ?? config.ADMIN_EMAIL;
const password = config.ADMIN_PASSWORD ?? (await readPassword('Password for the admin account: '));
if (!email || !password) {
  process.stderr.write(
    'create-admin: give the email with --email or ADMIN_EMAIL, and the password with ' +
      'ADMIN_PASSWORD, at the prompt or on stdin\n',
  );
  process.exit(2);
}

await waitForDatabase(config.DATABASE_URL, config.DATABASE_STARTUP_TIMEOUT_MS, log);
await runMigrations({
  databaseUrl: config.DATABASE_URL,
  dir: new URL('../migrations/', import.meta.url),
  log,
});
const pool = createPool(
  { connectionString: config.DATABASE_URL, max: 1, applicationName: 'create-admin' },
  log,
);
try {
  const outcome = await ensureAdmin(
    pool,
    new PasswordHasher(config.BCRYPT_COST),
    { email, password, name: values.name, surname: values.surname },
    { onlyIfNoAdmin: false, passwordMinLength: config.PASSWORD_MIN_LENGTH },
  );
  const said = {
    created: 'created the admin account',
    promoted: 'promoted the existing account to admin',
    'already-admin': 'the account is already an admin; nothing changed',
    skipped: 'nothing to do',
    conflict:
      'several accounts have this e-mail, or one has it as its username; nothing changed ' +
      '(resolve it first: GET /admin/users/conflicts)',
  }[outcome];
  if (outcome === 'conflict') {
    process.stderr.write(`create-admin: ${email}: ${said}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`create-admin: ${email}: ${said}\n`);
  }
} catch (err) {
  process.stderr.write(`create-admin: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
