import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { build as buildUserService, createEvent } from '../../user-service/test/helper.js';
import { SseClient, fetchJson } from '../../user-service/test/support/sse-client.js';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { fakeFeed, type FakeFeed } from './support/fake-feed.js';
import { accessToken, bearer, buildGateway, upstreamEnv } from './support/gateway.js';
import { listen } from './support/http.js';

/**
 * The live check-in stream through the real gateway to a real user-service: the gateway's
 * upstream timeout (300 ms here) is far shorter than the heartbeat period (1 s), so a stream
 * that outlives heartbeats was not cut by it; messages arrive while the stream is open, so
 * nothing buffered them.
 */
describe('GET /user/qr/admin/events/:event_id/live through the gateway', () => {
  let user: ServiceApp;
  let upstream: EchoUpstream;
  let feed: FakeFeed;
  let gateway: ServiceApp;
  let base: string;
  const streams: SseClient[] = [];
  const admin = bearer(accessToken({ user_id: 1, role: 'admin' }));

  const live = (eventId: string) => `${base}/user/qr/admin/events/${eventId}/live`;
  const open = async (url: string, headers: Record<string, string> = admin) => {
    const stream = await SseClient.open(url, headers);
    streams.push(stream);
    return stream;
  };
  const scanThroughGateway = async (userId: number, qrContent: string) => {
    const response = await fetch(`${base}/user/qr/scan`, {
      method: 'POST',
      headers: {
        ...bearer(accessToken({ user_id: userId, name: 'Alan', surname: 'Turing' })),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ qr_content: JSON.parse(qrContent) as unknown }),
    });
    return response.status;
  };

  beforeAll(async () => {
    user = await buildUserService({ LIVE_HEARTBEAT_MS: '1000' });
    const userUrl = await listen(user);
    upstream = await echoUpstream();
    feed = fakeFeed(upstream, 100);
    gateway = await buildGateway({
      ...upstreamEnv(upstream.url),
      USER_SERVICE_URL: userUrl,
      UPSTREAM_TIMEOUT_MS: '300',
      LIVE_STREAMS_PER_ADMIN: '2',
    });
    base = await listen(gateway);
  });
  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await gateway.close();
    await user.close();
    await upstream.close();
  });

  it('streams a check-in made through the gateway, unbuffered, past the upstream timeout', async () => {
    const event = await createEvent(user);
    const stream = await open(live(event.event_id));
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-request-id')).toBeTruthy();
    await stream.next('snapshot');

    // Two heartbeats: idle for longer than UPSTREAM_TIMEOUT_MS, and still open.
    expect(await stream.nextComment()).toBe('heartbeat');
    expect(await stream.nextComment()).toBe('heartbeat');
    expect(stream.open).toBe(true);

    expect(await scanThroughGateway(601, event.qr_content)).toBe(201);
    const checkIn = await stream.next('attendance');
    expect(checkIn.json).toMatchObject({
      seq: 1,
      user: { user_id: 601, name: 'Alan', surname: 'Turing' },
      status: 'present',
      counts: { present: 1 },
    });
    expect(stream.open).toBe(true);
  });

  it('answers 404 and 403 as JSON before any stream', async () => {
    const unknown = await fetchJson(live('no-such-event'), admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'Event not found', code: 'EVENT_NOT_FOUND' });
    const event = await createEvent(user);
    const refused = await fetchJson(live(event.event_id), bearer(accessToken({ user_id: 9 })));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'ADMIN_REQUIRED' });
  });

  it('bounds the streams one admin holds open (429 beyond), and frees a place on close', async () => {
    const event = await createEvent(user);
    const url = live(event.event_id);
    const other = bearer(accessToken({ user_id: 2, role: 'admin' }));
    const held = [await open(url, other), await open(url, other)];
    expect(held.map((stream) => stream.status)).toEqual([200, 200]);
    const third = await fetchJson(url, other);
    expect(third.status).toBe(429);
    expect(third.body).toEqual({
      error: 'Too many live streams open for this account; close one first',
      code: 'TOO_MANY_STREAMS',
    });
    // Another admin is not affected.
    expect((await open(url)).status).toBe(200);

    await held[0]?.close();
    await expect
      .poll(
        async () => {
          const again = await SseClient.open(url, other);
          streams.push(again);
          if (again.status !== 200) await again.close();
          return again.status;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(200);
  });

  it('ends the stream of a session revoked later, at its next heartbeat', async () => {
    const event = await createEvent(user);
    const session = randomUUID();
    const token = accessToken({ user_id: 3, role: 'admin', sid: session });
    const stream = await open(live(event.event_id), bearer(token));
    await stream.next('snapshot');
    feed.revoke(session);
    await stream.ended;
    expect(stream.open).toBe(false);
    await expect
      .poll(async () => (await fetchJson(live(event.event_id), bearer(token))).status, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(401);
  });
});
