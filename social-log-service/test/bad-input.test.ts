import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_INGEST_PATH, type ServiceApp } from '@cloud-backend/shared';
import { auditEvent, bearer, build, ingest, serviceAuth } from './helper.js';

const SQL = [
  "'; DROP TABLE social_logs; --",
  "' OR '1'='1",
  '"); DELETE FROM audit_events; --',
  '\\x00\\\\',
  '$1 $$ $tag$',
  '%_*?',
];
const UNICODE = ['😀🚀👩‍👩‍👧', 'مرحبا', 'e\u0301', '\u200b\u200f\ufeff', 'Ω≈ç√∫', '𝕳𝖊𝖑𝖑𝖔'];
const ADMIN = bearer(100, 'admin');

let app: ServiceApp;
beforeAll(async () => {
  app = await build();
});
afterAll(() => app.close());

function expectClientError(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  json: () => unknown;
}) {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.json()).toMatchObject({
    error: expect.any(String) as unknown,
    code: expect.any(String) as unknown,
  });
}

describe('text that looks like SQL or is exotic unicode', () => {
  it.each([...SQL, ...UNICODE])('is stored and returned verbatim: %j', async (text) => {
    const payload = {
      social: text,
      timestamp: '2025-06-22T10:00:00Z',
      content: text,
      status: text.slice(0, 20),
    };
    const created = await app.inject({
      method: 'POST',
      url: '/api/social/log',
      headers: bearer(3),
      payload,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ social: text, content: text });
    const found = await app.inject({
      url: `/api/social/logs?social=${encodeURIComponent(text)}`,
      headers: bearer(3),
    });
    expect(found.statusCode).toBe(200);
    expect(found.json<{ logs: { content: string }[] }>().logs[0]?.content).toBe(text);
  });

  it.each(SQL)('is only a value in the audit filters: %j', async (text) => {
    const query = `action=${encodeURIComponent(text)}&service=${encodeURIComponent(text)}`;
    const response = await app.inject({ url: `/api/social/audit?${query}`, headers: ADMIN });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ events: [], total: 0 });
  });

  it('is stored in audit events and the chain still verifies', async () => {
    const events = [...SQL, ...UNICODE].map((text) =>
      auditEvent({ user_agent: text, request_id: text, details: { [text]: text } }),
    );
    expect((await ingest(app, events)).json()).toEqual({ accepted: events.length, duplicates: 0 });
    const verify = await app.inject({ url: '/api/social/audit/verify', headers: ADMIN });
    expect(verify.json()).toMatchObject({ intact: true, checked: events.length });
    const { rows } = await app.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('social_logs', 'audit_events')",
    );
    expect(rows[0]?.n).toBe(2);
  });
});

describe('bodies that are not what a route expects', () => {
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const bodies: [string, string | Buffer, string][] = [
    ['null', 'null', 'application/json'],
    ['a number', '12', 'application/json'],
    ['a truncated object', '{"events": [{"id": ', 'application/json'],
    ['deeply nested arrays', deep, 'application/json'],
    [
      'deep nesting inside a field',
      `{"social": ${deep}, "events": [{"details": ${deep}}]}`,
      'application/json',
    ],
    ['a huge number', `{"social": 1e999999, "events": 1e999999}`, 'application/json'],
    [
      'invalid UTF-8',
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      'application/json',
    ],
    ['a byte-order mark', '\ufeff{"events": []}', 'application/json'],
    ['events of null', '{"events": [null, 1, "x"]}', 'application/json'],
    [
      'a multipart body',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
      'multipart/form-data; boundary=x',
    ],
    ['an octet stream', Buffer.alloc(64, 0), 'application/octet-stream'],
    ['a 2 MiB body', `{"content": "${'x'.repeat(2 * 1024 * 1024)}"}`, 'application/json'],
  ];

  it.each(bodies)('never answers 5xx to %s', async (_name, payload, type) => {
    for (const [url, headers] of [
      ['/api/social/log', bearer(4)],
      [AUDIT_INGEST_PATH, serviceAuth],
    ] as const) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': type },
        payload,
      });
      expectClientError(response);
    }
  });

  it('never answers 5xx to over-long text in any field', async () => {
    const huge = 'x'.repeat(200_000);
    const log = await app.inject({
      method: 'POST',
      url: '/api/social/log',
      headers: bearer(4),
      payload: { social: huge, timestamp: '2025-06-22T10:00:00Z', content: huge, status: huge },
    });
    expectClientError(log);
    for (const field of ['service', 'action', 'ip', 'user_agent', 'request_id']) {
      expectClientError(await ingest(app, [{ ...auditEvent(), [field]: huge }]));
    }
  });
});

describe('queries that are not what a route expects', () => {
  it.each([
    'user_id=1&user_id=2',
    'page[]=1',
    'limit=1e2',
    'page=99999999999999999999',
    'from=%27%20OR%201=1',
    'to=2025-06-22T10:00:00Z%00',
    `social=${'x'.repeat(10_000)}`,
    'status=%F0%9F',
  ])('answers 400 or an empty page, never 5xx: %s', async (query) => {
    for (const url of ['/api/social/logs', '/api/social/audit']) {
      const response = await app.inject({ url: `${url}?${query}`, headers: ADMIN });
      expect(response.statusCode).toBeLessThan(500);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      if (response.statusCode >= 400) expectClientError(response);
    }
  });
});
