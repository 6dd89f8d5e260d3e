import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort, startEmbeddedPostgres, type RunningPostgres } from '../dev/index.js';
import { ORIGINAL_DATABASES, ORIGINAL_OWNER_PASSWORD } from './original/databases.js';
import { startTestBuild } from './prebuilt.js';
import { startTestJwksServer } from './tokens.js';

import './provided-context.js';

/**
 * Vitest prints a global setup's error with its stack; the reason alone, in one line, is what
 * tells a developer what to do (a port taken, a full disk, no user to run PostgreSQL as).
 */
function oneLine(err: unknown): Error {
  const reason = err instanceof Error ? err.message : String(err);
  const error = new Error(`the test run's PostgreSQL did not start: ${reason}`);
  error.stack = `Error: ${error.message}`;
  return error;
}

/**
 * Roles belong to the whole server, and test files that build the original's databases run at
 * the same time. The original's owner roles are made here, before any file runs, as the fixtures
 * make them (a login superuser with the fixtures' password), so that which file happens to
 * create a role first (some make it without login) cannot change it for the others.
 */
async function createOriginalOwners(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const { owner } of Object.values(ORIGINAL_DATABASES)) {
      await client.query(
        `do $$
         begin
           create role ${pg.escapeIdentifier(owner)} login superuser
             password ${pg.escapeLiteral(ORIGINAL_OWNER_PASSWORD)};
         exception when duplicate_object or unique_violation then null;
         end
         $$`,
      );
    }
  } finally {
    await client.end();
  }
}

/**
 * Vitest global setup: one real PostgreSQL for the whole run, a folder for the bundles of the
 * entry points tests start as processes (prebuilt.ts) and the JWKS server that publishes the
 * test signing key (tokens.ts). TEST_DATABASE_URL (a superuser URL)
 * points the run at an existing server instead of the embedded one.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [build, postgres, jwks] = await Promise.allSettled([
    startTestBuild(),
    startPostgres(project),
    startTestJwks(project),
  ]);
  const teardowns = [build, postgres, jwks].flatMap((started) =>
    started.status === 'fulfilled' ? [started.value] : [],
  );
  const teardown = async () => {
    for (const stop of teardowns) await stop();
  };
  for (const started of [postgres, build, jwks]) {
    if (started.status === 'rejected') {
      await teardown();
      throw started.reason;
    }
  }
  return teardown;
}

/** The key set test tokens are verified with (testing/tokens.ts), for the whole run. */
async function startTestJwks(project: TestProject): Promise<() => Promise<void>> {
  const jwks = await startTestJwksServer();
  project.provide('testJwksUrl', jwks.url);
  return jwks.stop;
}

async function startPostgres(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    await createOriginalOwners(external);
    project.provide('postgresAdminUrl', external);
    return async () => undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'cloud-backend-test-pg-'));
  let server: RunningPostgres;
  try {
    server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      password: randomBytes(12).toString('hex'),
      persistent: false,
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw oneLine(err);
  }
  try {
    await createOriginalOwners(server.adminUrl);
  } catch (err) {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw oneLine(err);
  }
  project.provide('postgresAdminUrl', server.adminUrl);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
