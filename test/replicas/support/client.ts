import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signTestToken } from '@cloud-backend/shared/testing';
import { withClient } from '../../faults/support/stack.js';

export interface Answer {
  /** 0: no answer at all (refused, reset, timed out). */
  status: number;
  text: string;
}

// Kept-alive connections, as a browser and nginx keep them; nginx's certificate is the
// self-signed development one.
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });

export function closeAgents(): void {
  httpsAgent.destroy();
  httpAgent.destroy();
}

/** One request to `base` (nginx's https or a process's http), its status and body. */
export function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      url,
      {
        method,
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
        timeout: 30_000,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', () => resolve({ status: 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(body);
  });
}

export interface Attendee {
  id: number;
  token: string;
}

/**
 * `count` accounts written straight into auth's users table, each with an access token signed
 * as auth-service signs them (the key of ownSigningKeysFile() its replicas hold, a session id):
 * set-up, not under test, and a thousand bcrypt logins would cost more than the whole test.
 */
export async function createAttendees(
  authDb: string,
  prefix: string,
  count: number,
): Promise<Attendee[]> {
  const rows = await withClient(authDb, async (client) => {
    const result = await client.query<{ id: number; email: string; surname: string }>(
      `INSERT INTO users (email, username, password, role, name, surname)
       SELECT $1 || '-' || i || '@example.com', $1 || '-' || i, 'not a password hash', 'user',
              'Replica', 'User ' || i
         FROM generate_series(1, $2::int) AS i
       RETURNING id, email, surname`,
      [prefix, count],
    );
    return result.rows;
  });
  return rows.map((row) => ({
    id: row.id,
    token: signTestToken(
      {
        user_id: row.id,
        sub: String(row.id),
        email: row.email,
        identifier: row.email,
        role: 'user',
        name: 'Replica',
        surname: row.surname,
        sid: randomUUID(),
        jti: randomUUID(),
      },
      { ownKey: true },
    ),
  }));
}

/** Runs `work` over `items` with `concurrency` workers; results in the items' order. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T, index);
      }
    }),
  );
  return results;
}

/** The samples of a metric on a /metrics page whose labels contain every `match` pair. */
export function sampleSum(
  page: string,
  metric: string,
  match: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (!Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export const countBy = (statuses: number[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined), or throws after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${String(ms)} ms${last ? ` (${last})` : ''}`);
    }
    await sleep(250);
  }
}
