import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import {
  TEST_JWT_SECRET,
  createTestDatabase,
  migrateTestDatabase,
  testJwksUrl,
  type TestDatabase,
} from '@cloud-backend/shared/testing';
import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { MIGRATIONS, adminToken, bearer, createEvent, scan, userToken } from './helper.js';
import { SseClient, fetchJson } from './support/sse-client.js';

/**
 * Two user-service replicas on one database, listening on real ports: a check-in written
 * through one reaches the streams of both, through PostgreSQL's NOTIFY.
 */
describe('GET /qr/admin/events/:event_id/live', () => {
  let database: TestDatabase;
  let first: ServiceApp;
  let second: ServiceApp;
  let firstUrl: string;
  let secondUrl: string;
  const streams: SseClient[] = [];
  const admin = bearer(adminToken());

  const replica = () =>
    buildApp(
      loadConfig(configSchema, {
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        JWKS_URL: testJwksUrl(),
        DATABASE_URL: database.url,
        USER_SYNC_INTERVAL_SECONDS: '0',
        LIVE_HEARTBEAT_MS: '300',
      }),
      { logger: false },
    );

  const open = async (base: string, path: string, headers: Record<string, string> = admin) => {
    const stream = await SseClient.open(`${base}${path}`, headers);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    database = await createTestDatabase('user_live');
    await migrateTestDatabase(database.url, MIGRATIONS);
    [first, second] = await Promise.all([replica(), replica()]);
    firstUrl = await first.listen({ host: '127.0.0.1', port: 0 });
    secondUrl = await second.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await Promise.all([first.close(), second.close()]);
    await database.drop();
  });

  it('answers 404 JSON for an unknown event, 403 for a non-admin, 400 for a bad id', async () => {
    const unknown = await fetchJson(`${firstUrl}/qr/admin/events/no-such-event/live`, admin);
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^application\/json/);
    expect(unknown.body).toEqual({ error: 'Event not found', code: 'EVENT_NOT_FOUND' });

    const event = await createEvent(first);
    const path = `/qr/admin/events/${event.event_id}/live`;
    const user = await fetchJson(`${firstUrl}${path}`, bearer(userToken(7)));
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ error: 'Admin access required', code: 'ADMIN_REQUIRED' });
    const anonymous = await fetchJson(`${firstUrl}${path}`, {});
    expect(anonymous.status).toBe(401);

    const bad = await fetchJson(`${firstUrl}${path}`, { ...admin, 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_LAST_EVENT_ID' });
  });

  it('streams a check-in made on one replica to a stream on the other, then a status change', async () => {
    const event = await createEvent(first, { event_name: 'Live lecture' });
    const path = `/qr/admin/events/${event.event_id}/live`;
    const onSecond = await open(secondUrl, path);
    expect(onSecond.status).toBe(200);
    expect(onSecond.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const snapshot = await onSecond.next('snapshot');
    expect(snapshot.id).toBe('0');
    expect(snapshot.json).toMatchObject({
      event_id: event.event_id,
      event_name: 'Live lecture',
      last_seq: 0,
      counts: { total: 0, present: 0 },
      recent: [],
    });

    const scanned = await scan(
      first,
      userToken(201, { name: 'Grace', surname: 'Hopper' }),
      event.qr_content,
    );
    expect(scanned.statusCode, scanned.body).toBe(201);
    const checkIn = await onSecond.next('attendance');
    expect(checkIn.id).toBe('1');
    expect(checkIn.json).toMatchObject({
      seq: 1,
      event_id: event.event_id,
      user: { user_id: 201, name: 'Grace', surname: 'Hopper' },
      status: 'present',
      previous_status: null,
      counts: { total: 1, present: 1, scanned: 1, by_status: { present: 1, hospital: 0 } },
    });
    expect(onSecond.open).toBe(true);

    const changed = await second.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${event.event_id}/users/201/status`,
      headers: admin,
      payload: { status: 'hospital', motivazione: 'flu' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const status = await onSecond.next('attendance');
    expect(status.id).toBe('2');
    expect(status.json).toMatchObject({
      seq: 2,
      user: { user_id: 201 },
      status: 'hospital',
      previous_status: 'present',
      counts: { total: 1, present: 0, by_status: { present: 0, hospital: 1 } },
    });

    // An edit of the reason alone changes nothing the live view shows.
    await second.inject({
      method: 'PATCH',
      url: `/qr/admin/events/${event.event_id}/users/201/status`,
      headers: admin,
      payload: { status: 'hospital', motivazione: 'a cold' },
    });
    // A rejected second scan (409) is no change either; the next message is the next check-in.
    expect((await scan(first, userToken(202), event.qr_content)).statusCode).toBe(201);
    expect((await scan(second, userToken(202), event.qr_content)).statusCode).toBe(409);
    const next = await onSecond.next('attendance');
    expect(next.id).toBe('3');
    expect(next.json).toMatchObject({ user: { user_id: 202 }, counts: { total: 2 } });

    // Replay: a client that saw message 1 reconnects, to either replica, by header or query.
    const resumed = await open(firstUrl, path, { ...admin, 'last-event-id': '1' });
    const replayed = [await resumed.next(), await resumed.next()];
    expect(replayed.map((message) => [message.event, message.id])).toEqual([
      ['attendance', '2'],
      ['attendance', '3'],
    ]);
    const byQuery = await open(secondUrl, `${path}?last_event_id=2`);
    const third = await byQuery.next();
    expect([third.event, third.id]).toEqual(['attendance', '3']);

    // A fresh stream names the latest changes, newest first, and resumes after them.
    const fresh = await open(firstUrl, path);
    const latest = await fresh.next('snapshot');
    expect(latest.id).toBe('3');
    expect(latest.json).toMatchObject({
      last_seq: 3,
      recent: [{ seq: 3, user: { user_id: 202 } }, { seq: 2 }, { seq: 1 }],
    });
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const event = await createEvent(first);
    const stream = await open(firstUrl, `/qr/admin/events/${event.event_id}/live`);
    await stream.next('snapshot');
    expect(await stream.nextComment()).toBe('heartbeat');
    expect(await stream.nextComment()).toBe('heartbeat');
    expect(stream.open).toBe(true);
  });

  it('misses nothing when the listening connection is lost: it reconnects and catches up', async () => {
    const event = await createEvent(first);
    const stream = await open(secondUrl, `/qr/admin/events/${event.event_id}/live`);
    await stream.next('snapshot');

    // Cut both replicas' listening connections, then check in while they are away.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'user-service live'`,
      );
      expect(rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    expect((await scan(first, userToken(301), event.qr_content)).statusCode).toBe(201);

    const missed = await stream.next('attendance');
    expect(missed.id).toBe('1');
    expect(missed.json).toMatchObject({ user: { user_id: 301 } });
  });

  it('ends its streams when the app closes, so shutdown does not wait for them', async () => {
    const extra = await replica();
    const url = await extra.listen({ host: '127.0.0.1', port: 0 });
    const event = await createEvent(extra);
    const stream = await open(url, `/qr/admin/events/${event.event_id}/live`);
    await stream.next('snapshot');
    expect(extra.live.streams).toBe(1);
    await extra.close();
    await stream.ended;
    expect(stream.open).toBe(false);
  });
});
