import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, withClient, type Stack } from '../faults/support/stack.js';
import {
  BCRYPT_COST,
  adminTokenOf,
  expectHashesUpgraded,
  expectHistories,
  expectReports,
  fingerprints,
  logInEveryAccount,
} from './support/checks.js';
import { buildOriginalDeployment, type OriginalDeployment } from './support/original-deployment.js';

// The switch-over an operator makes (docs/switch-over.md), on the commonest original: every
// migration file run with psql's default, data written by each generation of its code. The
// real services start on its databases as processes (their migrations at start-up), behind the
// real gateway, and start a second time. original-variants.test.ts runs the other shapes.
describe('the port started on an original deployment', () => {
  let original: OriginalDeployment;
  let stack: Stack;
  let tokens: Map<number, string>;

  beforeAll(async () => {
    original = await buildOriginalDeployment(inject('postgresAdminUrl'), 'keep-going');
    stack = await startStack({
      adminUrl: inject('postgresAdminUrl'),
      prefix: 'switch',
      databases: {
        auth: original.auth.url,
        user: original.user.url,
        socialLog: original.social.url,
        names: [original.auth.name, original.user.name, original.social.name],
        drop: async () => undefined,
      },
      authEnv: { BCRYPT_COST: String(BCRYPT_COST) },
      // Nothing may change the data between the two starts but the starts themselves.
      userEnv: { USER_SYNC_INTERVAL_SECONDS: '0', LOG_LEVEL: 'info' },
    });
  }, 300_000);

  afterAll(async () => {
    // beforeAll may have failed before setting them.
    await (stack as Stack | undefined)?.close();
    await (original as OriginalDeployment | undefined)?.drop();
  });

  it('every old account logs in through the gateway with what it used; its hash is upgraded', async () => {
    tokens = await logInEveryAccount(stack.gateway.url);
    await expectHashesUpgraded(original.auth.url);
  }, 120_000);

  it('every check-in is in its event report and CSV: user, time to the second, status, reason', async () => {
    await expectReports(stack.gateway.url, adminTokenOf(tokens), original.expected);
  });

  it("each user's own history shows their check-ins", async () => {
    await expectHistories(stack.gateway.url, tokens, original.expected);
  });

  it('says at WARN what it kept aside and where', async () => {
    const unmapped = await withClient(original.user.url, (client: pg.Client) =>
      client.query<{ n: number }>('SELECT count(*)::int AS n FROM legacy.unmapped_rows'),
    );
    expect(unmapped.rows[0]?.n).toBeGreaterThan(0);
    expect(stack.user.output()).toMatch(/"level":40[^\n]*stay only in schema legacy/);
    expect(stack.socialLog.output()).toMatch(/"level":40[^\n]*1 social log entry of the original/);
  });

  it('a second start changes nothing', async () => {
    const before = await fingerprints([original.auth.url, original.user.url]);
    // auth-service and user-service, whose databases are compared. social-log-service's
    // second start on the original's hand-made table is original-variants.test.ts's, whose
    // deployments all have that table: a third process here would show nothing more.
    await Promise.all([stack.auth.stop(), stack.user.stop()]);
    await Promise.all([stack.auth.start(), stack.user.start()]);
    expect(await fingerprints([original.auth.url, original.user.url])).toEqual(before);
    expect(stack.user.output()).toMatch(/"applied":\[\][^\n]*0 migration\(s\) applied/);
  }, 120_000);
});
