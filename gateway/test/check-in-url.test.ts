import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET } from '@cloud-backend/shared/testing';
import { CheckInTokens } from '../../user-service/src/qr/check-in-url.js';
import { deriveQrKey } from '../../user-service/src/qr/qr-token.js';
import { echoUpstream, type EchoUpstream } from './support/echo-upstream.js';
import { asAdmin, asUser, buildGateway } from './support/gateway.js';
import { listen, send, type Answer } from './support/http.js';
import { startServices, type Services } from './support/services.js';

// Check-in URLs and network-restricted events through the real gateway to the real
// user-service, over HTTP (README.md, "Check-in URL" and "Network restriction").

const tokens = new CheckInTokens(deriveQrKey(TEST_JWT_SECRET, undefined));
const QR_INVALID = { error: 'QR non valido o scaduto', code: 'QR_INVALID' };
const NOT_ACTIVE = { error: 'Evento non trovato o non attivo', code: 'EVENT_NOT_ACTIVE' };

let services: Services;
let prometheus: EchoUpstream;
let gateway: ServiceApp;
let base: string;
let userCounter = 0;

interface Generated {
  event_id: string;
  check_in_url: string;
  qr_content: string;
}

function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  return send(base, {
    method,
    path,
    headers: {
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A fresh attendee (user-service learns of it from its token). */
function attendee(): Record<string, string> {
  userCounter += 1;
  const id = 5000 + userCounter;
  return asUser({ user_id: id, email: `u${String(id)}@example.com`, name: 'Ada', surname: 'L' });
}

async function generate(body: Record<string, unknown>): Promise<Generated> {
  const now = Date.now();
  const answer = await call('POST', '/user/qr/admin/generate', asAdmin({ user_id: 1 }), {
    event_name: `Gateway event ${String(Math.random())}`,
    date: new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date()),
    starts_at: new Date(now - 3600_000).toISOString(),
    expires_at: new Date(now + 3 * 3600_000).toISOString(),
    ...body,
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.json<Generated>();
}

const scan = (headers: Record<string, string>, checkInToken: string) =>
  call('POST', '/user/qr/scan', headers, { check_in_token: checkInToken });

async function rowId(eventId: string): Promise<number> {
  const { rows } = await services.user.db.query<{ id: number }>(
    'SELECT id FROM attendance_events WHERE event_id = $1',
    [eventId],
  );
  return rows[0]?.id ?? 0;
}

beforeAll(async () => {
  services = await startServices();
  prometheus = await echoUpstream();
  gateway = await buildGateway({ ...services.env, PROMETHEUS_URL: prometheus.url });
  base = await listen(gateway);
});

afterAll(async () => {
  await gateway.close();
  await prometheus.close();
  await services.close();
});

describe('check-in URL through the gateway', () => {
  it('builds the URL from the origin the client used and checks in with it', async () => {
    const event = await generate({});
    // No PUBLIC_URL in user-service: the gateway's own origin, as the admin reached it.
    expect(event.check_in_url).toMatch(
      new RegExp(`^${base.replace(/\/$/, '')}/#/c/[A-Za-z0-9_-]{23}$`),
    );
    const user = attendee();
    const first = await scan(user, event.check_in_url);
    expect(first.status, first.text).toBe(201);
    expect(first.json()).toMatchObject({ success: true, event_id: event.event_id });
    const second = await scan(user, event.check_in_url.split('/').pop() ?? '');
    expect(second.status).toBe(409);
    expect(second.json<{ code: string }>().code).toBe('ALREADY_CHECKED_IN');
  });

  it('refuses an expired window, a forged token and a token of another event', async () => {
    const rotating = await generate({ rotation_seconds: 10 });
    const id = await rowId(rotating.event_id);
    const expired = tokens.issue({ id, rotation_seconds: 10 }, Date.now() - 30_000);
    const current = tokens.issue({ id, rotation_seconds: 10 });
    const forged = new CheckInTokens(Buffer.from('not the key of this deployment, 32+ chars'));
    for (const token of [
      expired,
      forged.issue({ id, rotation_seconds: 10 }),
      `${current.slice(0, 10)}${current[10] === 'A' ? 'B' : 'A'}${current.slice(11)}`,
    ]) {
      const answer = await scan(attendee(), token);
      expect(answer.status, token).toBe(400);
      expect(answer.json()).toEqual(QR_INVALID);
    }
    // A static event's token for an event id that has no row, and a rotating event's
    // (another event's id in a well-signed token) shaped as a static one: 404 and 400.
    const other = await scan(attendee(), tokens.issue({ id: id + 10_000, rotation_seconds: null }));
    expect(other.status).toBe(404);
    expect(other.json()).toEqual(NOT_ACTIVE);
    const wrongKind = await scan(attendee(), tokens.issue({ id, rotation_seconds: null }));
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.json()).toEqual(QR_INVALID);
    // The current one works.
    expect((await scan(attendee(), current)).status).toBe(201);
  });
});

describe('network-restricted events through the gateway', () => {
  it('refuses an address outside allowed_networks and accepts one inside (X-Forwarded-For)', async () => {
    const event = await generate({ allowed_networks: ['203.0.113.0/24', '2001:db8:1::/48'] });
    // The test client is on loopback, which the gateway trusts as its proxy (as nginx).
    const outside = await scan(
      { ...attendee(), 'x-forwarded-for': '198.51.100.7' },
      event.check_in_url,
    );
    expect(outside.status, outside.text).toBe(403);
    expect(outside.json()).toEqual({
      error: "Check-in for this event is only possible from the organiser's network",
      code: 'NETWORK_NOT_ALLOWED',
    });
    const spoofed = await scan(
      { ...attendee(), 'x-forwarded-for': '203.0.113.5, 198.51.100.7' },
      event.check_in_url,
    );
    expect(spoofed.status).toBe(403);
    for (const address of ['203.0.113.200', '2001:db8:1:ff::9']) {
      const inside = await scan({ ...attendee(), 'x-forwarded-for': address }, event.check_in_url);
      expect(inside.status, `${address}: ${inside.text}`).toBe(201);
    }
    // The original's QR content is held to the same rule.
    const legacy = await call(
      'POST',
      '/user/qr/scan',
      { ...attendee(), 'x-forwarded-for': '2001:db8:2::1' },
      { qr_content: JSON.parse(event.qr_content) as unknown },
    );
    expect(legacy.status).toBe(403);
    expect(legacy.json<{ code: string }>().code).toBe('NETWORK_NOT_ALLOWED');
    // Without X-Forwarded-For the client is 127.0.0.1, outside too.
    expect((await scan(attendee(), event.check_in_url)).status).toBe(403);
  });

  it('answers a bad CIDR with a 400 JSON error through the gateway', async () => {
    const answer = await call('POST', '/user/qr/admin/generate', asAdmin({ user_id: 1 }), {
      event_name: 'Bad networks',
      date: '2030-01-01',
      allowed_networks: ['10.0.0.0/40'],
    });
    expect(answer.status).toBe(400);
    expect(answer.json<{ code: string }>().code).toBe('INVALID_ALLOWED_NETWORKS');
  });
});
