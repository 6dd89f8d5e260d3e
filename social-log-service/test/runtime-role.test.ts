import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect, it } from 'vitest';
import { AUDIT_INGEST_PATH } from '@cloud-backend/shared';
import { freePort } from '@cloud-backend/shared/dev';
import {
  createTestDatabase,
  spawnTypeScript,
  TEST_JWT_SECRET,
  testJwksUrl,
  waitForHttp,
} from '@cloud-backend/shared/testing';
import { auditEvent, INTERNAL_TOKEN } from './helper.js';

const entry = fileURLToPath(new URL('../src/server.ts', import.meta.url));

// Production shape: migrations run as the owner (MIGRATION_DATABASE_URL), the service as a role
// that may only read and append, so not even a compromised service can rewrite the trail.
it('runs as an append-only role while the owner applies the migrations', async () => {
  const db = await createTestDatabase('social_log_roles');
  const role = `appender_${db.name.slice(-8)}`;
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'appender-password'`);
  await admin.query(`GRANT CONNECT ON DATABASE ${db.name} TO ${role}`);
  await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await admin.query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO ${role}`,
  );
  await admin.query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${role}`,
  );
  const serviceUrl = new URL(db.url);
  serviceUrl.username = role;
  serviceUrl.password = 'appender-password';

  const port = await freePort();
  const run = spawnTypeScript(entry, {
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_SECRET: TEST_JWT_SECRET,
    JWKS_URL: testJwksUrl(),
    DATABASE_URL: serviceUrl.toString(),
    MIGRATION_DATABASE_URL: db.url,
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
  });
  try {
    await waitForHttp(`http://127.0.0.1:${String(port)}/health/ready`, 20_000);
    const ingested = await fetch(`http://127.0.0.1:${String(port)}${AUDIT_INGEST_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [auditEvent(), auditEvent()] }),
    });
    expect(await ingested.json()).toEqual({ accepted: 2, duplicates: 0 });

    const asService = new pg.Client({ connectionString: serviceUrl.toString() });
    await asService.connect();
    try {
      // Refused by privilege, before any trigger is consulted.
      await expect(asService.query('UPDATE audit_events SET action = $1', ['x'])).rejects.toThrow(
        /permission denied/,
      );
      await expect(asService.query('ALTER TABLE audit_events DISABLE TRIGGER ALL')).rejects.toThrow(
        /must be owner/,
      );
    } finally {
      await asService.end();
    }
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
    await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin.end();
    await db.drop();
    const cleanup = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') });
    await cleanup.connect();
    await cleanup.query(`DROP ROLE IF EXISTS ${role}`);
    await cleanup.end();
  }
}, 60_000);
