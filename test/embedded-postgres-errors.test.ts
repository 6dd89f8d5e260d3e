import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, PostgresStartError, startEmbeddedPostgres } from '@cloud-backend/shared/dev';

// A start that cannot work fails with one line saying why (never a stack trace for make dev
// or the test run to print), and leaves what is not its own alone.

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cloud-backend-pg-errors-'));
  // Reachable by the user `postgres` as root, so that nothing moves and initdb meets the folder.
  await chmod(folder, 0o755);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function startFailure(dataDir: string, port: number): Promise<PostgresStartError> {
  const error = await startEmbeddedPostgres({
    dataDir,
    port,
    password: randomBytes(8).toString('hex'),
    persistent: false,
  }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(PostgresStartError);
  return error as PostgresStartError;
}

describe('embedded PostgreSQL start-up failures', () => {
  it('a data folder holding something else: initdb says so, and the files stay', async () => {
    const occupied = join(folder, 'occupied');
    await mkdir(occupied);
    await writeFile(join(occupied, 'notes.txt'), 'mine');

    const error = await startFailure(occupied, await freePort());
    expect(error.message).toMatch(
      /^initdb could not create the data folder .*occupied: .*exists but is not empty/,
    );
    expect(error.message).not.toContain('\n');
    expect(await readFile(join(occupied, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('its port taken by another program: says which, as reason port-in-use', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const dataDir = join(folder, 'port-taken');
    try {
      const error = await startFailure(dataDir, port);
      expect(error.message).toBe(`port ${port} on 127.0.0.1 is already in use by another program`);
      expect(error.reason).toBe('port-in-use');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
