import { request, sessionOf, type Account, type Exchange, type QrEvent } from './client.js';

/** One request of the load, with when it was sent (ms on performance.now()'s clock). */
export interface Outcome extends Exchange {
  kind: string;
  /** What it was about, e.g. "eventId/userId" for a check-in or the session id of a login. */
  key: string;
  sentAt: number;
  endedAt: number;
}

export type Operation = () => Promise<
  { kind: string; key: string; exchange: Exchange } | undefined
>;

/**
 * Steady load: `workers` loops per operation, each sending its next request as soon as the
 * previous one answered, after `pauseMs`. Everything is recorded; nothing is retried, so the
 * outcomes are exactly what clients saw.
 */
export class Traffic {
  readonly outcomes: Outcome[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly operations: Operation[],
    private readonly options: { workers: number; pauseMs: number },
  ) {}

  start(): this {
    for (const operation of this.operations) {
      for (let i = 0; i < this.options.workers; i++) this.loops.push(this.loop(operation));
    }
    return this;
  }

  async stop(): Promise<Outcome[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.outcomes;
  }

  private async loop(operation: Operation): Promise<void> {
    while (!this.stopped) {
      const sentAt = performance.now();
      const result = await operation();
      if (!result) break; // this operation has nothing left to do
      this.outcomes.push({
        ...result.exchange,
        kind: result.kind,
        key: result.key,
        sentAt,
        endedAt: performance.now(),
      });
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
    }
  }
}

/**
 * Check-ins through `base`: every (event, account) pair once, so each 201 is one attendance
 * row that must exist afterwards. With `requeueFailed`, a pair that got no 2xx is tried again
 * later, as kind 'check-in-retry' (a 409 then means the failed attempt had been stored).
 */
export function checkIns(
  base: string,
  events: QrEvent[],
  accounts: Account[],
  options: { requeueFailed?: boolean; path?: string } = {},
): Operation {
  const pairs = events.flatMap((event) =>
    accounts.map((account) => ({ event, account, retry: false })),
  );
  let next = 0;
  return async () => {
    const pair = pairs[next++];
    if (!pair) return undefined;
    const exchange = await request(base, 'POST', options.path ?? '/user/qr/scan', {
      token: pair.account.token,
      body: { qr_content: pair.event.qrContent },
    });
    if (options.requeueFailed && (exchange.status < 200 || exchange.status >= 300)) {
      pairs.push({ ...pair, retry: true });
    }
    return {
      kind: pair.retry ? 'check-in-retry' : 'check-in',
      key: `${pair.event.eventId}/${String(pair.account.id)}`,
      exchange,
    };
  };
}

/** Logins through `base`, round robin over the accounts. The key is the new session's id. */
export function logins(base: string, accounts: Account[]): Operation {
  let next = 0;
  return async () => {
    const account = accounts[next++ % accounts.length];
    if (!account) return undefined;
    const exchange = await request(base, 'POST', '/login', {
      body: { email: account.email, password: account.password },
    });
    let key = '';
    if (exchange.status === 200) {
      key = sessionOf((JSON.parse(exchange.text) as { token: string }).token);
    }
    return { kind: 'login', key, exchange };
  };
}

/** Reads through `base`: a light authenticated GET. */
export function profileReads(base: string, accounts: Account[], path = '/user/profile'): Operation {
  let next = 0;
  return async () => {
    const account = accounts[next++ % accounts.length];
    if (!account) return undefined;
    const exchange = await request(base, 'GET', path, { token: account.token });
    return { kind: 'profile', key: String(account.id), exchange };
  };
}

export function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const label = `${outcome.kind} ${String(outcome.status)}`;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** One line for the test output (and docs/RELIABILITY.md). */
export function report(title: string, facts: Record<string, unknown>): void {
  process.stdout.write(`[faults] ${title}: ${JSON.stringify(facts)}\n`);
}
