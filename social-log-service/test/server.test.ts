import { fileURLToPath } from 'node:url';
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
import { auditEvent, bearer, INTERNAL_TOKEN, VALID_LOG } from './helper.js';

const entry = fileURLToPath(new URL('../src/server.ts', import.meta.url));

it('starts on an empty database, migrates it, serves, and stops cleanly on SIGTERM', async () => {
  const db = await createTestDatabase('social_log_server');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const run = spawnTypeScript(entry, {
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_SECRET: TEST_JWT_SECRET,
    JWKS_URL: testJwksUrl(),
    DATABASE_URL: db.url,
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
  });
  try {
    await waitForHttp(`${base}/health/ready`, 20_000);

    const created = await fetch(`${base}/api/social/log`, {
      method: 'POST',
      headers: { ...bearer(11), 'content-type': 'application/json' },
      body: JSON.stringify(VALID_LOG),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ user_id: 11, timestamp: '2025-06-22T08:00:00Z' });

    const ingested = await fetch(`${base}${AUDIT_INGEST_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [auditEvent()] }),
    });
    expect(await ingested.json()).toEqual({ accepted: 1, duplicates: 0 });

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain(INTERNAL_TOKEN);
  } finally {
    run.child.kill('SIGKILL');
    await run.exited;
    await db.drop();
  }
}, 60_000);
