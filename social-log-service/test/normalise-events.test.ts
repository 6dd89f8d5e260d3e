import { describe, expect, it } from 'vitest';
import { MAX_DETAILS_DEPTH, normaliseEvents } from '../src/audit/normalise-events.js';
import { auditEvent, nestedDetails } from './helper.js';

describe('normaliseEvents', () => {
  it('gives the canonical forms that are stored and hashed', () => {
    const id = '0B7D3C1E-3F5A-4C6E-9A1B-2D4F6A8C0E12';
    const { events, problems } = normaliseEvents([
      auditEvent({ id: `urn:uuid:${id}`, occurred_at: '2025-06-22T12:00:00.1234567+02:00' }),
    ]);
    expect(problems).toEqual([]);
    expect(events[0]).toMatchObject({
      event_id: id.toLowerCase(),
      occurred_at: '2025-06-22T10:00:00.123456Z',
    });
  });

  it('keeps the first of events that share an id', () => {
    const first = auditEvent({ action: 'first' });
    const { events } = normaliseEvents([first, { ...first, action: 'second' }, auditEvent()]);
    expect(events.map((event) => event.action)).toEqual(['first', 'user.login']);
  });

  it.each([
    [{ service: 'auth\u0000' }, 'service'],
    [{ action: 'a\u0000' }, 'action'],
    [{ ip: '\u0000' }, 'ip'],
    [{ user_agent: 'curl\u0000' }, 'user_agent'],
    [{ request_id: '\udc00' }, 'request_id'],
    [{ details: { note: 'a\u0000b' } }, 'details'],
    [{ details: { 'k\u0000': 1 } }, 'details'],
    [{ details: { list: [1, ['\ud800']] } }, 'details'],
    [{ details: nestedDetails(MAX_DETAILS_DEPTH + 1) }, 'details'],
    [{ occurred_at: '2016-12-31T23:59:60Z' }, 'occurred_at'],
    [{ user_id: 2 ** 31 }, 'user_id'],
    [{ actor_id: -(2 ** 31) - 1 }, 'actor_id'],
  ])('refuses %j, naming %s', (override, field) => {
    const { problems } = normaliseEvents([auditEvent(), auditEvent(override)]);
    expect(problems).toEqual([
      { field: `body.events.1.${field}`, message: expect.any(String) as unknown },
    ]);
  });

  it('accepts details at the depth limit, emoji and the extremes of 32-bit ids', () => {
    const { problems } = normaliseEvents([
      auditEvent({
        details: nestedDetails(MAX_DETAILS_DEPTH),
        user_id: 2 ** 31 - 1,
        actor_id: -(2 ** 31),
      }),
      auditEvent({ user_agent: '😀 ünï', details: { '😀': ['🚀', { é: 'ü' }] } }),
    ]);
    expect(problems).toEqual([]);
  });
});
