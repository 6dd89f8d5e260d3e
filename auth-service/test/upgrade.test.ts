import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { freePort } from '@cloud-backend/shared/dev';
import { loadConfig, runMigrations } from '@cloud-backend/shared';
import {
  AUTH_CHAIN_VARIANT_NAMES,
  buildOriginalAuthDatabase,
  copyTestDatabase,
  createTestDatabase,
  migrateTestDatabase,
  ORIGINAL_AUTH_ACCOUNTS,
  ORIGINAL_AUTH_COLLISIONS,
  originalPassword,
  spawnTypeScript,
  TEST_JWT_SECRET,
  TEST_SIGNING_KEYS_FILE,
  ownSigningKeysFile,
  waitForHttp,
  type AuthChainVariant,
  type OriginalAuthAccount,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { ensureAdmin } from '../src/domain/admin-bootstrap.js';
import { bearer, login, MIGRATIONS, newUser, type App } from './helper.js';

// Databases the original left behind, built by the auth fixture (every history its own
// migration files and its code allow, every account shape it let through), upgraded by the
// real migrations and served by the app.

const AUTH_DIR = fileURLToPath(new URL('..', import.meta.url));
// For the hashes this file makes (registrations, the dummy of a login): a cost below the
// original's 10, so logins verify its cost-10 hashes without re-hashing them (only a lower
// stored cost is upgraded). Every account logging in with every identifier it used, and the
// re-hash to a higher cost, are checked for each history through the gateway in
// test/switch-over/.
const BCRYPT_COST = 4;

const built = new Map<AuthChainVariant, Promise<TestDatabase>>();

/**
 * A database as the original left it after `variant`'s history, of the test's own. Each history
 * is built once in this file (some forty rows, its SQL files, its logins verified with bcrypt at
 * cost 10) and copied for every test that needs it.
 */
async function originalAuthDatabase(variant: AuthChainVariant, prefix: string) {
  let source = built.get(variant);
  if (!source) {
    source = createTestDatabase('auth_original').then(async (db) => {
      await buildOriginalAuthDatabase(db.url, variant);
      return db;
    });
    built.set(variant, source);
  }
  return copyTestDatabase(await source, prefix);
}

afterAll(async () => {
  await Promise.all([...built.values()].map(async (source) => (await source).drop()));
});

/** Usernames the upgrade generates for accounts without one: never another's, in any case. */
const GENERATED_USERNAMES: Record<number, string> = {
  6: 'user6_1', // 21 is 'User6'
  10: 'user10',
  11: 'user11', // the original stored ''
  30: 'user30_1', // 29 is 'user30'
};

/** The address in a display form, trimmed and lower-cased. */
function bare(typed: string): string | null {
  const address = /<([^<>]+)>\s*$/.exec(typed)?.[1] ?? typed;
  return address.trim().toLowerCase() || null;
}

function account(id: number): OriginalAuthAccount {
  const found = ORIGINAL_AUTH_ACCOUNTS.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no account ${String(id)}`);
  return found;
}

function appOn(url: string, env: Record<string, string> = {}): Promise<App> {
  return buildApp(
    loadConfig(configSchema, {
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      JWT_SIGNING_KEYS_FILE: TEST_SIGNING_KEYS_FILE,
      DATABASE_URL: url,
      BCRYPT_COST: String(BCRYPT_COST),
      ...env,
    }),
    { logger: false },
  );
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of the accounts and the log, whole, to compare before and after. */
async function everything(url: string) {
  const users = await query<{ row: unknown }>(
    url,
    'SELECT to_jsonb(u) AS row FROM users u ORDER BY id',
  );
  const logs = await query<{ row: unknown }>(
    url,
    'SELECT to_jsonb(l) AS row FROM auth_logs l ORDER BY id',
  );
  return { users: users.map((r) => r.row), logs: logs.map((r) => r.row) };
}

/** Runs `work` on every item, `limit` at a time (bcrypt runs on libuv's thread pool). */
async function eachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

async function loginAs(app: App, identifier: string, password: string) {
  const response = await login(app, identifier, password);
  return {
    status: response.statusCode,
    id: response.statusCode === 200 ? response.json<{ user: { id: number } }>().user.id : null,
    token: response.statusCode === 200 ? response.json<{ token: string }>().token : '',
  };
}

/** An admin's token: account 1 of the original, an admin there. */
async function adminToken(app: App): Promise<string> {
  const admin = account(1);
  return (await loginAs(app, 'giulia', originalPassword(admin))).token;
}

interface ConflictList {
  conflicts: {
    kind: string;
    key: string;
    user_ids: number[];
    users: { id: number; email: string; original_email?: string; username: string }[];
  }[];
  total: number;
  accounts: number;
}

async function conflicts(app: App, token: string) {
  const response = await app.inject({
    method: 'GET',
    url: '/admin/users/conflicts',
    headers: bearer(token),
  });
  return { status: response.statusCode, body: response.json<ConflictList>() };
}

describe.each(AUTH_CHAIN_VARIANT_NAMES)('upgrading an original auth database (%s)', (variant) => {
  let db: TestDatabase;
  let app: App;
  let logsBefore: number;

  beforeAll(async () => {
    db = await originalAuthDatabase(variant, 'auth_upgrade');
    logsBefore = (await everything(db.url)).logs.length;
    await migrateTestDatabase(db.url, MIGRATIONS);
    app = await appOn(db.url);
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('keeps every account and log entry; e-mails bare and lower-case, the typed form kept', async () => {
    const users = await query<Record<string, unknown>>(
      db.url,
      'SELECT id, email, original_email, username, name, surname, role FROM users ORDER BY id',
    );
    expect(users).toEqual(
      ORIGINAL_AUTH_ACCOUNTS.map(({ id, stored }) => {
        const email = bare(stored.email);
        return {
          id,
          email,
          original_email: stored.email !== '' && stored.email !== email ? stored.email : null,
          username: GENERATED_USERNAMES[id] ?? stored.username,
          name: stored.name ?? '',
          surname: stored.surname ?? '',
          role: stored.role,
        };
      }),
    );
    expect((await everything(db.url)).logs).toHaveLength(logsBefore);
  });

  it('lets each of two accounts differing only by case log in with its exact old identifier and own password', async () => {
    const pairs = ORIGINAL_AUTH_COLLISIONS.filter((g) => g.kind !== 'username_is_email');
    await eachConcurrently(pairs, 3, async (group) => {
      const [first, second] = group.userIds.map(account);
      if (!first || !second) throw new Error(`group ${group.key} is not a pair`);
      for (const [own, other] of [
        [first, second],
        [second, first],
      ] as const) {
        const identifier = group.kind === 'email' ? own.stored.email : (own.stored.username ?? '');
        expect(await loginAs(app, identifier, originalPassword(own))).toMatchObject({
          status: 200,
          id: own.id,
        });
        // The identifier names its own account exactly: the other's password opens nothing.
        expect((await loginAs(app, identifier, originalPassword(other))).status).toBe(401);
      }
    });
  }, 120_000);

  it('lets the password decide among accounts an identifier names only without regard to case', async () => {
    expect(await loginAs(app, 'LUCA.BIANCHI@EXAMPLE.COM', 'luca-first')).toMatchObject({ id: 12 });
    expect(await loginAs(app, 'LUCA.BIANCHI@EXAMPLE.COM', 'luca-second')).toMatchObject({ id: 13 });
    expect((await loginAs(app, 'LUCA.BIANCHI@EXAMPLE.COM', 'neither')).status).toBe(401);
    expect(await loginAs(app, 'Mario', 'mario2025')).toMatchObject({ id: 9 });
    expect(await loginAs(app, 'Mario', 'mario-three')).toMatchObject({ id: 23 });
    // One account's e-mail is the other's username: both match exactly, as in the original,
    // which read one of them; now each opens with its own password.
    expect(await loginAs(app, 'anna@example.com', 'anna-pass1')).toMatchObject({ id: 14 });
    expect(await loginAs(app, 'anna@example.com', 'verdi-pass')).toMatchObject({ id: 15 });
  });

  it('logs a display-form account in with the text it typed and with the bare address', async () => {
    for (const identifier of [
      'Carla Neri <carla.neri@example.com>',
      'carla.neri@example.com',
      'Carla.Neri@Example.COM',
    ]) {
      expect(await loginAs(app, identifier, 'carla-pass'), identifier).toMatchObject({ id: 16 });
    }
    expect(await loginAs(app, '<elena@example.com>', 'elena-pass')).toMatchObject({ id: 19 });
    expect(await loginAs(app, 'elena@example.com', 'elena-pass')).toMatchObject({ id: 19 });
    // Where the bare address was another account's exact e-mail, it stays that account's.
    expect(await loginAs(app, 'Dario <dario@example.com>', 'dario-old')).toMatchObject({ id: 17 });
    expect((await loginAs(app, 'dario@example.com', 'dario-old')).status).toBe(401);
  });

  it("logs in the accounts whose NULL username, name or surname made the original's login fail", async () => {
    for (const id of [6, 10, 30, 31]) {
      const old = account(id);
      const response = await login(app, old.stored.email, originalPassword(old));
      expect(response.statusCode, `account ${String(id)}`).toBe(200);
      expect(response.json<{ user: Record<string, unknown> }>().user).toMatchObject({
        id,
        username: GENERATED_USERNAMES[id] ?? old.stored.username,
        name: old.stored.name ?? '',
        surname: old.stored.surname ?? '',
      });
    }
  });

  it('lists the accounts in conflict to admins, and to no one else', async () => {
    const listed = await conflicts(app, await adminToken(app));
    expect(listed.status).toBe(200);
    expect(
      listed.body.conflicts.map(({ kind, key, user_ids }) => ({ kind, key, userIds: user_ids })),
    ).toEqual(ORIGINAL_AUTH_COLLISIONS);
    expect(listed.body.total).toBe(ORIGINAL_AUTH_COLLISIONS.length);
    expect(listed.body.accounts).toBe(
      new Set(ORIGINAL_AUTH_COLLISIONS.flatMap((g) => g.userIds)).size,
    );
    const dario = listed.body.conflicts.find((group) => group.key === 'dario@example.com');
    expect(dario?.users).toEqual([
      expect.objectContaining({
        id: 17,
        email: 'dario@example.com',
        original_email: 'Dario <dario@example.com>',
      }),
      expect.objectContaining({ id: 18, email: 'dario@example.com' }),
    ]);
    expect(dario?.users[1]).not.toHaveProperty('original_email');

    const user = await loginAs(app, 'chiara', originalPassword(account(7)));
    expect((await conflicts(app, user.token)).status).toBe(403);
  });

  it('refuses with 409 a registration that collides, in any case, with any account', async () => {
    const taken = [
      { email: 'LUCA.BIANCHI@example.com' }, // a flagged pair's e-mail
      { email: 'Sara.colombo@EXAMPLE.com' }, // kept in mixed case by the original
      { email: 'Carla <CARLA.NERI@example.com>' }, // a display form's address
      { email: 'ANNA@example.com' }, // an e-mail, and another account's username
      { email: 'Zeno@Example.org' }, // only another account's username
      { username: 'STEFANO' }, // a flagged pair's username
      { username: 'Giulia' },
      { username: 'USER6_1' }, // generated by the upgrade
    ];
    for (const body of taken) {
      const response = await app.inject({
        method: 'POST',
        url: '/register',
        payload: { ...newUser(), ...body },
      });
      expect(response.statusCode, JSON.stringify(body)).toBe(409);
      expect(response.json()).toEqual({ error: 'Utente già registrato', code: 'USER_EXISTS' });
    }
  });

  it('changes nothing when the migrations run again', async () => {
    const before = await everything(db.url);
    await migrateTestDatabase(db.url, MIGRATIONS);
    expect(await everything(db.url)).toEqual(before);
    // The upgrade's statements themselves, run a second time.
    const file = await readFile(new URL('1732000000001_account-conflicts.sql', MIGRATIONS), 'utf8');
    const up = file.slice(0, file.indexOf('-- Down Migration'));
    await query(db.url, up);
    expect(await everything(db.url)).toEqual(before);
  });

  it('clears a conflict once the group no longer collides', async () => {
    const token = await adminToken(app);
    const removed = await app.inject({
      method: 'DELETE',
      url: '/admin/users/13',
      headers: bearer(token),
    });
    expect(removed.statusCode).toBe(200);
    const keys = (await conflicts(app, token)).body.conflicts.map((group) => group.key);
    expect(keys).not.toContain('luca.bianchi@example.com');
    expect(keys).not.toContain('luca.bianchi');
    expect(keys).toHaveLength(ORIGINAL_AUTH_COLLISIONS.length - 2);
    const [row] = await query<Record<string, boolean>>(
      db.url,
      'SELECT legacy_email_duplicate, legacy_username_duplicate FROM users WHERE id = 12',
    );
    expect(row).toEqual({ legacy_email_duplicate: false, legacy_username_duplicate: false });
    // The address is now only account 12's, in any case.
    expect(await loginAs(app, 'luca.bianchi@example.com', 'luca-first')).toMatchObject({ id: 12 });
    const again = await app.inject({
      method: 'POST',
      url: '/register',
      payload: { ...newUser(), email: 'luca.bianchi@example.com' },
    });
    expect(again.statusCode).toBe(409);
  });
});

describe('wrong passwords on an identifier naming several accounts', () => {
  let db: TestDatabase;
  let app: App;
  beforeAll(async () => {
    db = await originalAuthDatabase('fresh', 'auth_upgrade_lockout');
    await migrateTestDatabase(db.url, MIGRATIONS);
    app = await appOn(db.url, { LOCKOUT_THRESHOLD: '2' });
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('count against every account checked, and lock each as they would alone', async () => {
    for (let n = 0; n < 2; n++) {
      expect((await loginAs(app, 'LUCA.BIANCHI@EXAMPLE.COM', 'guess')).status).toBe(401);
    }
    // Both are locked now: the right password of either is refused until the lock ends.
    const blocked = await login(app, 'LUCA.BIANCHI@EXAMPLE.COM', 'luca-first');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await loginAs(app, 'luca.bianchi@example.com', 'luca-second')).status).toBe(429);
    const logged = await query<{ user_id: number; action: string }>(
      db.url,
      `SELECT user_id, action FROM auth_logs
        WHERE user_id IN (12, 13) AND action <> 'login_blocked_locked' ORDER BY id`,
    );
    expect(logged.filter((row) => row.action === 'login_failed_wrong_password')).toHaveLength(4);
    expect(
      logged
        .filter((row) => row.action === 'account_locked')
        .map((r) => r.user_id)
        .sort(),
    ).toEqual([12, 13]);
    // Accounts the identifier does not name are untouched.
    expect(await loginAs(app, 'mario', 'mario2025')).toMatchObject({ id: 9 });
  });

  it('leave create-admin unable to pick one: it changes nothing and says so', async () => {
    const { pool, hasher } = app.accounts;
    const settings = { onlyIfNoAdmin: false, passwordMinLength: 8 };
    const before = await everything(db.url);
    for (const email of ['dario@example.com', 'Zeno@Example.org']) {
      expect(await ensureAdmin(pool, hasher, { email, password: 'a new admin' }, settings)).toBe(
        'conflict',
      );
    }
    expect((await everything(db.url)).users).toEqual(before.users);
  });
});

describe('rolling the upgrade back', () => {
  it('never deletes an account or a log entry, gives the e-mails back as typed, and upgrades again the same way', async () => {
    const db = await originalAuthDatabase('hand-made-log-columns', 'auth_upgrade_down');
    try {
      const original = await everything(db.url);
      await migrateTestDatabase(db.url, MIGRATIONS);
      const upgraded = await everything(db.url);

      const log = pino({ level: 'silent' });
      await runMigrations({
        databaseUrl: db.url,
        dir: MIGRATIONS,
        log,
        direction: 'down',
        count: 3,
      });
      const rolledBack = await everything(db.url);
      expect(rolledBack.users).toHaveLength(original.users.length);
      expect(rolledBack.logs).toHaveLength(original.logs.length);
      const emails = await query<{ id: number; email: string | null }>(
        db.url,
        'SELECT id, email FROM users ORDER BY id',
      );
      expect(emails).toEqual(
        ORIGINAL_AUTH_ACCOUNTS.map(({ id, stored }) => ({ id, email: stored.email || null })),
      );

      await migrateTestDatabase(db.url, MIGRATIONS);
      expect(await everything(db.url)).toEqual(upgraded);
    } finally {
      await db.drop();
    }
  }, 120_000);
});

describe('auth-service starting on an original database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await originalAuthDatabase('hand-made', 'auth_upgrade_start');
  }, 120_000);
  afterAll(() => db.drop());

  async function start() {
    const port = await freePort();
    const service = spawnTypeScript(
      'src/server.ts',
      {
        NODE_ENV: 'production',
        LOG_FORMAT: 'json',
        PORT: String(port),
        DATABASE_URL: db.url,
        JWT_SECRET: TEST_JWT_SECRET,
        // In production the tests' published key is refused: a key of this run.
        JWT_SIGNING_KEYS_FILE: ownSigningKeysFile(),
        BCRYPT_COST: '4',
      },
      { cwd: AUTH_DIR },
    );
    try {
      await waitForHttp(`http://127.0.0.1:${String(port)}/health/ready`, 30_000);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    return service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; accounts?: number });
  }

  it('upgrades it, starts, and warns once about the accounts in conflict; a second start changes nothing', async () => {
    const first = await start();
    const warnings = first.filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        accounts: new Set(ORIGINAL_AUTH_COLLISIONS.flatMap((g) => g.userIds)).size,
        msg: expect.stringContaining('/admin/users/conflicts') as unknown,
      }),
    ]);
    const upgraded = await everything(db.url);

    const second = await start();
    expect(second.filter((line) => line.level === 40)).toHaveLength(1);
    expect(second).toContainEqual(expect.objectContaining({ msg: '0 migration(s) applied' }));
    expect(await everything(db.url)).toEqual(upgraded);
  }, 120_000);
});
