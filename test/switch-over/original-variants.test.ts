import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  adminTokenOf,
  expectHistories,
  expectReports,
  fingerprints,
  logInEveryAccount,
} from './support/checks.js';
import { startPortInProcess, type InProcessPort } from './support/in-process-port.js';
import { buildOriginalDeployment, type OriginalDeployment } from './support/original-deployment.js';

// The other shapes the original's databases can have (docs/switch-over.md): its migration
// files stopped at 0006 by ON_ERROR_STOP, its first 0001 with the early static table, and
// live-shaped tables that 0008 and 0012 retro-fitted; each with another history of its auth
// database. The same checks as original-stack.test.ts, with the services' start-up (their
// migrations, then their apps) run in this process.
describe.each(['on-error-stop', 'first-0001', 'keep-going-retrofit'] as const)(
  'the port on an original deployment: %s',
  (variant) => {
    let original: OriginalDeployment;
    let port: InProcessPort;
    let tokens: Map<number, string>;

    beforeAll(async () => {
      original = await buildOriginalDeployment(inject('postgresAdminUrl'), variant);
      port = await startPortInProcess({
        auth: original.auth.url,
        user: original.user.url,
        social: original.social.url,
      });
    }, 300_000);

    afterAll(async () => {
      // beforeAll may have failed before setting them.
      await (port as InProcessPort | undefined)?.close();
      await (original as OriginalDeployment | undefined)?.drop();
    });

    it('every old account logs in through the gateway with what it used', async () => {
      tokens = await logInEveryAccount(port.gateway);
    }, 120_000);

    it('every check-in is in its event report and CSV: user, time to the second, status, reason', async () => {
      await expectReports(port.gateway, adminTokenOf(tokens), original.expected);
    });

    it("each user's own history shows their check-ins", async () => {
      await expectHistories(port.gateway, tokens, original.expected);
    });

    it('a second start changes nothing', async () => {
      const urls = [original.auth.url, original.user.url];
      const before = await fingerprints(urls);
      await port.close();
      port = await startPortInProcess(
        { auth: original.auth.url, user: original.user.url, social: original.social.url },
        { withGateway: false },
      );
      expect(port.applied).toEqual({ auth: [], user: [], social: [] });
      expect(await fingerprints(urls)).toEqual(before);
    }, 120_000);
  },
);
