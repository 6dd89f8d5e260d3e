import { describe, expect, it } from 'vitest';
import { isStrictDate, parseDateTime, rfc3339 } from '../src/domain/dates.js';
import { buildEventId, eventIdNamePart, legacyTableName } from '../src/domain/event-id.js';
import { parsePage } from '../src/domain/pagination.js';
import { ATTENDANCE_STATUSES } from '../src/domain/statuses.js';
import { trustProxySetting, assertTimeZone } from '../src/config.js';
import { QrTokens, deriveQrKey } from '../src/qr/qr-token.js';
import { StatusSchema } from '../src/schemas/common.js';

describe('event ids', () => {
  // docs/compatibility.md#fix-event-id
  it('keep the original id for plain names', () => {
    expect(buildEventId('Team Meeting', '2025-06-10')).toBe('team-meeting-2025-06-10');
    expect(buildEventId('Daily Check', '2025-06-09')).toBe('daily-check-2025-06-09');
    expect(legacyTableName('team-meeting-2025-06-10')).toBe('attendance_team_meeting_2025_06_10');
  });

  it('hold only [a-z0-9-] and stay within 100 characters', () => {
    for (const name of [
      "a'b",
      'a.b/c',
      'x;DROP',
      ' ',
      '\u202e',
      'Ünïcødé',
      'a'.repeat(1000),
      '--',
    ]) {
      const id = buildEventId(name, '2025-01-01');
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(id.length).toBeLessThanOrEqual(100);
    }
  });

  it('stay unique per name when characters are dropped or the name is cut', () => {
    expect(eventIdNamePart('🎉')).not.toBe(eventIdNamePart('🎂'));
    expect(eventIdNamePart(`${'a'.repeat(100)}x`)).not.toBe(eventIdNamePart(`${'a'.repeat(100)}y`));
    // Case, spaces and punctuation fold together, as the original's "Team Meeting"/"team-meeting".
    expect(eventIdNamePart('Team  Meeting!')).toBe(eventIdNamePart('team-meeting'));
  });
});

describe('dates', () => {
  it('accept only real YYYY-MM-DD dates', () => {
    for (const good of ['2025-06-10', '2024-02-29', '0001-01-01', '9999-12-31']) {
      expect(isStrictDate(good), good).toBe(true);
    }
    for (const bad of [
      '2025-02-30',
      '2023-02-29',
      '2025-13-01',
      '2025-00-10',
      '2025-6-10',
      '25-06-10',
      '2025-06-10 ',
      '0000-01-01',
      '',
    ]) {
      expect(isStrictDate(bad), bad).toBe(false);
    }
  });

  it('print RFC 3339 with whole seconds and parse only full date-times', () => {
    expect(rfc3339(new Date('2025-06-10T23:59:59.999Z'))).toBe('2025-06-10T23:59:59Z');
    expect(parseDateTime(undefined)).toBeUndefined();
    expect(parseDateTime('2025-06-10')).toBeNull();
    expect(parseDateTime('2025-13-40T00:00:00Z')).toBeNull();
    expect(parseDateTime('2025-06-10T10:00:00+02:00')?.toISOString()).toBe(
      '2025-06-10T08:00:00.000Z',
    );
  });
});

describe('pagination', () => {
  // docs/compatibility.md#fix-page-limit
  it('reads page and limit as the original, clamping a large limit to 100', () => {
    expect(parsePage({})).toEqual({ page: 1, limit: 10, offset: 0 });
    expect(parsePage({ page: '3', limit: '20' })).toEqual({ page: 3, limit: 20, offset: 40 });
    expect(parsePage({ page: '+2', limit: '007' })).toEqual({ page: 2, limit: 7, offset: 7 });
    expect(parsePage({ page: 'x', limit: '101' })).toEqual({ page: 1, limit: 100, offset: 0 });
    expect(parsePage({ page: '99999999999999999999' }).page).toBe(1);
  });
});

describe('QR tokens', () => {
  const event = {
    id: 1,
    event_id: 'e-2099-01-01',
    event_name: 'E',
    date: '2099-01-01',
    created_by: 1,
    created_at: new Date('2025-01-01T00:00:00Z'),
    expires_at: new Date('2099-01-01T22:59:59Z'),
    rotation_seconds: null,
  };

  it('use a key of their own, derived from JWT_SECRET unless QR_SECRET is set', () => {
    const derived = deriveQrKey('j'.repeat(32), undefined);
    expect(derived.equals(Buffer.from('j'.repeat(32)))).toBe(false);
    expect(deriveQrKey('j'.repeat(32), 'q'.repeat(32)).toString()).toBe('q'.repeat(32));
    const tokens = new QrTokens(derived);
    const { token } = tokens.issue(event);
    expect(tokens.verify(token)).toMatchObject({ event_id: 'e-2099-01-01', typ: 'attendance_qr' });
    expect(new QrTokens(deriveQrKey('k'.repeat(32), undefined)).verify(token)).toBeNull();
  });

  it('are the same whenever a static QR is asked for', () => {
    const tokens = new QrTokens(deriveQrKey('j'.repeat(32), undefined));
    expect(tokens.issue(event, 1).token).toBe(tokens.issue(event, Date.now()).token);
  });

  it('change with each rotation period and expire after the next one', () => {
    const tokens = new QrTokens(deriveQrKey('j'.repeat(32), undefined));
    const rotating = { ...event, rotation_seconds: 30 };
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const a = tokens.issue(rotating, t0);
    expect(tokens.issue(rotating, t0 + 29_000).token).toBe(a.token);
    expect(tokens.issue(rotating, t0 + 30_000).token).not.toBe(a.token);
    expect(a.rotatesAt?.toISOString()).toBe('2030-01-01T00:00:30.000Z');
    expect(tokens.verify(a.token, t0 + 59_000)).not.toBeNull();
    expect(tokens.verify(a.token, t0 + 60_000)).toBeNull();
  });
});

describe('configuration helpers', () => {
  it('reads TRUST_PROXY and refuses unknown time zones', () => {
    expect(trustProxySetting(undefined)).toEqual(['loopback']);
    expect(trustProxySetting('false')).toBe(false);
    expect(trustProxySetting('true')).toBe(true);
    expect(trustProxySetting('10.0.0.1, 10.0.0.0/8')).toEqual(['10.0.0.1', '10.0.0.0/8']);
    expect(() => assertTimeZone('Europe/Rome')).not.toThrow();
    expect(() => assertTimeZone('Mars/Olympus')).toThrow(/EVENT_TIMEZONE/);
  });

  it('lists the same 7 statuses in the schema as in the domain', () => {
    expect(StatusSchema.anyOf.map((s: { const: string }) => s.const)).toEqual([
      ...ATTENDANCE_STATUSES,
    ]);
  });
});
