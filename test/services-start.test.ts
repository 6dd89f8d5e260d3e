import { describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
// The modules it needs rather than the testing index, which loads every fixture and helper.
import { createTestDatabase } from '@cloud-backend/shared/testing/database';
import { spawnTypeScript } from '@cloud-backend/shared/testing/processes';
import { ownSigningKeysFile } from '@cloud-backend/shared/testing/tokens';

// Start-up failures must be loud and precise: exit 1 and name the variable at fault.
// `keys`: the setting that says where access-token keys come from (auth-service signs with its
// key file; the others verify with its published set).
const SERVICES = [
  { name: 'gateway', entry: 'gateway/src/server.ts', database: false, keys: 'JWKS_URL' },
  {
    name: 'auth-service',
    entry: 'auth-service/src/server.ts',
    database: true,
    keys: 'JWT_SIGNING_KEYS_FILE',
  },
  { name: 'user-service', entry: 'user-service/src/server.ts', database: true, keys: 'JWKS_URL' },
  {
    name: 'social-log-service',
    entry: 'social-log-service/src/server.ts',
    database: true,
    keys: 'JWKS_URL',
  },
  {
    name: 'dashboard-api',
    entry: 'monitoring/dashboard-api/src/server.ts',
    database: false,
    keys: 'JWKS_URL',
  },
];

// Valid key settings, for the tests about something else.
const KEYS = {
  JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
  // A key of this run: a production auth-service refuses the tests' published one.
  JWT_SIGNING_KEYS_FILE: ownSigningKeysFile(),
};

// Only what the test sets reaches the service: a developer's own variables must not leak in.
const CLEAN = {
  DATABASE_URL: undefined,
  JWT_SECRET: undefined,
  JWKS_URL: undefined,
  JWT_SIGNING_KEYS_FILE: undefined,
  PORT: undefined,
  LOG_FORMAT: 'json',
  NODE_ENV: 'production',
};

describe.each(SERVICES)('$name start-up', (service) => {
  it('exits 1 naming every missing or invalid variable', async () => {
    const run = spawnTypeScript(service.entry, {
      ...CLEAN,
      PORT: 'not-a-port',
      ...(service.database ? { DATABASE_URL: 'mysql://wrong-kind' } : {}),
    });
    expect(await run.exited).toBe(1);
    const output = run.output();
    expect(output).toContain(`${service.name}: Invalid configuration`);
    expect(output).toMatch(/PORT: invalid; expected a TCP port/);
    expect(output).toContain(`${service.keys}: missing; expected`);
    if (service.database) expect(output).toMatch(/DATABASE_URL: invalid; expected/);
  }, 30_000);
});

describe.each(SERVICES.filter((service) => service.database))('$name start-up', (service) => {
  it('exits 1 naming DATABASE_URL when the database cannot be reached', async () => {
    const closedPort = await freePort();
    const run = spawnTypeScript(service.entry, {
      ...CLEAN,
      PORT: String(await freePort()),
      JWT_SECRET: 'x'.repeat(32),
      ...KEYS,
      DATABASE_URL: `postgres://svc:do-not-print@127.0.0.1:${closedPort}/nowhere`,
      DATABASE_STARTUP_TIMEOUT_MS: '300',
    });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(
      `${service.name}: start-up failed: DATABASE_URL: cannot connect to 127.0.0.1:${closedPort}/nowhere`,
    );
    expect(run.output()).not.toContain('do-not-print');
  }, 30_000);
});

// After its migrations a service grants its read-only role its columns (shared/src/
// read-only-grants.ts); a role it cannot grant to stops the start, rather than leave the role
// with whatever it held before.
describe.each(SERVICES.filter((s) => ['auth-service', 'user-service'].includes(s.name)))(
  '$name start-up',
  (service) => {
    it('exits 1 naming DATABASE_READONLY_ROLE when that role does not exist', async () => {
      const db = await createTestDatabase('start_ro');
      try {
        const run = spawnTypeScript(service.entry, {
          ...CLEAN,
          PORT: String(await freePort()),
          JWT_SECRET: 'x'.repeat(32),
          ...KEYS,
          DATABASE_URL: db.url,
          DATABASE_READONLY_ROLE: 'no_such_reader',
        });
        expect(await run.exited).toBe(1);
        expect(run.output()).toContain(
          `${service.name}: start-up failed: DATABASE_READONLY_ROLE: role "no_such_reader" does not exist`,
        );
      } finally {
        await db.drop();
      }
    }, 60_000);
  },
);
