import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_CACHE, DATA_HOME } from '@cloud-backend/shared/dev';
import {
  developerEnvironment,
  running,
  runInShell,
  within,
  type Run,
} from './support/developer-shell.js';
import { alive, descendants, type Recorded } from './support/process-tree.js';
import { makeWorkingCopy } from './support/working-copy.js';

// A clone in a folder only its owner can enter, as /root is (mode 700). As root, PostgreSQL
// runs as the user `postgres`, who cannot reach the binaries npm put in the clone nor a data
// folder there: the test command's PostgreSQL must still work, say in one line where the files
// went, and leave nothing behind. Not as root, nothing moves and nothing is said. (`make dev`
// in such a clone is test/dev.test.ts's.)

const AS_ROOT = process.getuid?.() === 0;
const NOTICE = 'PostgreSQL runs as the user "postgres"';

let closed: string;
let clone: string;
const recorded: Recorded[] = [];
const started: Run[] = [];

beforeAll(async () => {
  // /tmp/<random> (mode 700) plays /root; the clone lies inside it, as /root/cloud-backend.
  closed = await mkdtemp(join(tmpdir(), 'cloud-backend-closed-'));
  await chmod(closed, 0o700);
  clone = join(closed, 'cloud-backend');
  await makeWorkingCopy(clone);
}, 120_000);

afterAll(async () => {
  for (const { child } of started) {
    if (running(child) && child.pid !== undefined) {
      recorded.push(...(await descendants(child.pid)));
      process.kill(-child.pid, 'SIGKILL');
    }
  }
  for (const leftover of recorded) if (alive(leftover)) process.kill(leftover.pid, 'SIGKILL');
  await rm(closed, { recursive: true, force: true });
});

describe('a clone in a folder only its owner can enter (as /root is)', () => {
  it(
    "runs the test command's PostgreSQL: a database test file passes there, temporary data included",
    { timeout: 180_000 },
    async () => {
      // TMPDIR inside the closed folder too, so the run's throwaway data folder must move as well.
      const temporary = join(closed, 'tmp');
      await mkdir(temporary, { recursive: true });
      const vitest = runInShell(
        process.execPath,
        [
          join(clone, 'node_modules', 'vitest', 'vitest.mjs'),
          'run',
          'shared/test/migrations.test.ts',
        ],
        { cwd: clone, env: developerEnvironment({ TMPDIR: temporary, CI: 'true' }) },
      );
      started.push(vitest);
      const { code } = await within(vitest.exited, 170_000, 'vitest in the clone');
      const output = vitest.output();
      expect(code, output).toBe(0);
      expect(output).toMatch(/Tests\s+\d+ passed/);

      const notices = output.split('\n').filter((line) => line.includes(NOTICE));
      if (AS_ROOT) {
        expect(notices, output).toHaveLength(1);
        expect(notices[0]).toContain(`who cannot enter ${closed}`);
        expect(notices[0]).toContain(`runs a copy of its binaries in ${BINARY_CACHE}/postgresql-`);
        const data = /keeps its data in (\S+)/.exec(notices[0] ?? '')?.[1] ?? '';
        expect(data.startsWith(`${DATA_HOME}/temporary-`), notices[0]).toBe(true);
        // Stopped with the run, and its throwaway data gone with it.
        expect(existsSync(data)).toBe(false);
      } else {
        expect(notices).toEqual([]);
      }
    },
  );
});
