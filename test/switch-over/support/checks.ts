import { expect } from 'vitest';
import pg from 'pg';
import {
  ORIGINAL_AUTH_ACCOUNTS,
  originalIdentifiers,
  originalPassword,
} from '@cloud-backend/shared/testing';
import { parseCsv } from './csv.js';
import type { ExpectedCheckIn } from './expected-check-ins.js';
import { databaseFingerprint } from './fingerprint.js';

/** Above the original's cost 10, so every successful login re-hashes. */
export const BCRYPT_COST = 11;

async function post(gateway: string, path: string, body: unknown) {
  const response = await fetch(`${gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(gateway: string, path: string, token: string) {
  const response = await fetch(`${gateway}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, text: await response.text() };
}

const toSecond = (value: string | null | undefined): string | null =>
  value ? `${new Date(value).toISOString().slice(0, 19)}Z` : null;

/**
 * Logs every account of the original in through the gateway with every identifier the
 * original accepted for it and its own password; fails listing each one refused. Answers each
 * account's access token.
 */
export async function logInEveryAccount(gateway: string): Promise<Map<number, string>> {
  const tokens = new Map<number, string>();
  const failures: string[] = [];
  for (const account of ORIGINAL_AUTH_ACCOUNTS) {
    for (const identifier of originalIdentifiers(account)) {
      const login = await post(gateway, '/login', {
        email: identifier,
        password: originalPassword(account),
      });
      const id = (login.body.user as { id?: number } | undefined)?.id;
      if (login.status === 200 && id === account.id)
        tokens.set(account.id, String(login.body.token));
      else
        failures.push(
          `${identifier} (#${String(account.id)}): ${String(login.status)} ${JSON.stringify(login.body)}`,
        );
    }
  }
  expect(failures).toEqual([]);
  return tokens;
}

/** Every stored hash is at the current cost once its account has logged in. */
export async function expectHashesUpgraded(authUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: authUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number; cost: string }>(
      'SELECT id, substring(password from 5 for 2) AS cost FROM users ORDER BY id',
    );
    expect(rows.filter((row) => Number(row.cost) !== BCRYPT_COST)).toEqual([]);
  } finally {
    await client.end();
  }
}

const byEventAndUser = (a: ExpectedCheckIn, b: ExpectedCheckIn) =>
  `${a.eventId}/${String(a.userId)}`.localeCompare(`${b.eventId}/${String(b.userId)}`);

/** Each event's report and CSV, through the gateway as an admin, equal the expected lines. */
export async function expectReports(
  gateway: string,
  adminToken: string,
  expected: ExpectedCheckIn[],
): Promise<void> {
  const events = [...new Set(expected.map((checkIn) => checkIn.eventId))].sort();
  expect(events.length).toBeGreaterThan(0);
  const reported: ExpectedCheckIn[] = [];
  const exported: ExpectedCheckIn[] = [];
  for (const eventId of events) {
    const report = await get(gateway, `/user/qr/admin/events/${eventId}/users`, adminToken);
    expect(report.status, report.text).toBe(200);
    const { users } = JSON.parse(report.text) as {
      users: {
        user_id: number;
        status: string;
        motivazione: string | null;
        scanned_at: string | null;
      }[];
    };
    for (const row of users) {
      reported.push({
        eventId,
        userId: row.user_id,
        scannedAt: toSecond(row.scanned_at),
        status: row.status,
        motivazione: row.motivazione,
      });
    }
    const csv = await get(gateway, `/user/qr/admin/events/${eventId}/export.csv`, adminToken);
    expect(csv.status).toBe(200);
    for (const row of parseCsv(csv.text)) {
      exported.push({
        eventId,
        userId: Number(row.user_id),
        scannedAt: toSecond(row.scanned_at),
        status: row.status ?? '',
        motivazione: row.motivazione ? row.motivazione : null,
      });
    }
  }
  const want = [...expected].sort(byEventAndUser);
  expect(reported.sort(byEventAndUser)).toEqual(want);
  expect(exported.sort(byEventAndUser)).toEqual(want);
}

/** Each user's own history, through the gateway, lists exactly their check-ins. */
export async function expectHistories(
  gateway: string,
  tokens: Map<number, string>,
  expected: ExpectedCheckIn[],
): Promise<void> {
  const byUser = new Map<number, ExpectedCheckIn[]>();
  for (const checkIn of expected) {
    byUser.set(checkIn.userId, [...(byUser.get(checkIn.userId) ?? []), checkIn]);
  }
  for (const [userId, theirs] of byUser) {
    const token = tokens.get(userId);
    if (!token) throw new Error(`user ${String(userId)} has check-ins but could not log in`);
    const history = await get(gateway, '/user/qr/attendance/history?limit=100', token);
    expect(history.status, history.text).toBe(200);
    const { attendances } = JSON.parse(history.text) as {
      attendances: { event_id: string; status: string }[];
    };
    expect(attendances.map((item) => `${item.event_id} ${item.status}`).sort()).toEqual(
      theirs.map((c) => `${c.eventId} ${c.status}`).sort(),
    );
  }
}

/** The token of an account that was an admin in the original. */
export function adminTokenOf(tokens: Map<number, string>): string {
  const admin = ORIGINAL_AUTH_ACCOUNTS.find(
    (account) => account.stored.role === 'admin' && tokens.has(account.id),
  );
  if (!admin) throw new Error('no admin of the original could log in');
  return tokens.get(admin.id) ?? '';
}

/** Both databases' rows, for comparing before and after a start. */
export async function fingerprints(urls: string[]): Promise<Record<string, string>[]> {
  return Promise.all(
    urls.map(async (url) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // The outbox is a delivery queue: it empties on its own.
        return await databaseFingerprint(client, { skip: ['public.audit_outbox'] });
      } finally {
        await client.end();
      }
    }),
  );
}
