import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '@cloud-backend/shared/testing';
import {
  adminToken,
  createEvents,
  registerAccounts,
  type Account,
  type QrEvent,
} from './support/client.js';
import { startStack, type Stack } from './support/stack.js';
import { checkIns, percentile, profileReads, report, tally, Traffic } from './support/traffic.js';

// user-service SIGKILLed under traffic through the gateway: each request it cannot serve is a
// 502 UPSTREAM_UNAVAILABLE within 1 s (the bound), never a hang or a dropped
// connection; once it is started again on the same port, the same gateway serves 2xx again.
const FAILURE_BOUND_MS = 1000;
const DOWN_MS = 3000;

let stack: Stack;
// Set once the stack is up: a failed start leaves nothing to stop.
let cleanup: (() => Promise<void>) | undefined;
let accounts: Account[];
let events: QrEvent[];

beforeAll(async () => {
  stack = await startStack({ adminUrl: postgresAdminUrl(), prefix: 'upstreamkill' });
  cleanup = () => stack.close();
  accounts = await registerAccounts(stack.gateway.url, 'upstream-kill', 20);
  events = await createEvents(stack.gateway.url, await adminToken(stack.gateway.url), 30);
});

afterAll(async () => {
  await cleanup?.();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ok = (status: number) => status >= 200 && status < 300;

describe('an upstream killed mid-traffic', () => {
  it('answers 502 within 1 s while it is gone and recovers without a gateway restart', async () => {
    const base = stack.gateway.url;
    const gatewayPid = stack.gateway.running.child.pid;
    const traffic = new Traffic(
      [profileReads(base, accounts), checkIns(base, events, accounts, { requeueFailed: true })],
      { workers: 2, pauseMs: 20 },
    ).start();
    await sleep(2000);

    const killedAt = performance.now();
    expect(await stack.user.signal('SIGKILL')).toBeNull();
    await sleep(DOWN_MS);
    await stack.user.start();
    const restartedAt = performance.now();
    await expect
      .poll(
        () =>
          ['profile', 'check-in'].every((kind) =>
            traffic.outcomes.some(
              (o) => o.kind.startsWith(kind) && o.sentAt > restartedAt && ok(o.status),
            ),
          ),
        { timeout: 15_000, interval: 100 },
      )
      .toBe(true);
    const recoveredAt = performance.now();
    await sleep(2000);
    const outcomes = await traffic.stop();

    // A check-in whose first attempt was cut off may have been stored: its retry is a 409.
    const failures = outcomes.filter(
      (o) => !ok(o.status) && !(o.kind === 'check-in-retry' && o.status === 409),
    );
    const after = outcomes.filter((o) => o.sentAt > recoveredAt);
    report('upstream killed', {
      requests: outcomes.length,
      byStatus: tally(outcomes),
      downMs: Math.round(restartedAt - killedAt),
      recoveredAfterRestartMs: Math.round(recoveredAt - restartedAt),
      failureLatencyMsP50: Math.round(
        percentile(
          failures.map((o) => o.ms),
          50,
        ),
      ),
      failureLatencyMsP99: Math.round(
        percentile(
          failures.map((o) => o.ms),
          99,
        ),
      ),
      failureLatencyMsMax: Math.round(Math.max(0, ...failures.map((o) => o.ms))),
      // When the slowest failures were sent, relative to the kill (ms): contention or not.
      slowFailures: failures
        .filter((o) => o.ms > 250)
        .map(
          (o) => `${o.kind}@${String(Math.round(o.sentAt - killedAt))}:${String(Math.round(o.ms))}`,
        ),
    });

    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.status, `${failure.kind}: ${failure.text}${failure.error ?? ''}`).toBe(502);
      expect(JSON.parse(failure.text)).toEqual({
        error: 'The upstream service is unavailable',
        code: 'UPSTREAM_UNAVAILABLE',
      });
      expect(failure.ms).toBeLessThan(FAILURE_BOUND_MS);
      // Only while it was gone (a request in flight at the kill included).
      expect(failure.endedAt).toBeGreaterThan(killedAt);
      expect(failure.sentAt).toBeLessThan(recoveredAt);
    }
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((o) => !ok(o.status) && o.kind !== 'check-in-retry')).toEqual([]);
    expect(stack.gateway.running.child.pid).toBe(gatewayPid);
    expect(stack.gateway.running.child.exitCode).toBeNull();
  });
});
