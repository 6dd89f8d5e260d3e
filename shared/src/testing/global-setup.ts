import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { freePort, startEmbeddedPostgres, type RunningPostgres } from '../dev/index.js';

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
 * Vitest global setup: one real PostgreSQL for the whole run. TEST_DATABASE_URL (a superuser
 * URL) points the run at an existing server instead of the embedded one.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
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
  project.provide('postgresAdminUrl', server.adminUrl);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
