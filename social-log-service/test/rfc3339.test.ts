import { describe, expect, it } from 'vitest';
import {
  canonicalUtcSql,
  parseRfc3339,
  toApiTimestamp,
  ZERO_TIME_UTC,
} from '@cloud-backend/shared';
import { characterLength, isStorableText } from '../src/lib/text.js';

describe('parseRfc3339', () => {
  it.each([
    ['2025-06-22T10:00:00Z', '2025-06-22T10:00:00.000000Z'],
    ['2025-06-22T10:00:00+02:00', '2025-06-22T08:00:00.000000Z'],
    ['2025-06-22T01:30:00-03:30', '2025-06-22T05:00:00.000000Z'],
    ['2025-06-22t10:00:00z', '2025-06-22T10:00:00.000000Z'],
    ['2025-06-22T10:00:00.5Z', '2025-06-22T10:00:00.500000Z'],
    ['2025-06-22T10:00:00.123456789Z', '2025-06-22T10:00:00.123456Z'],
    ['2024-02-29T23:59:59.999999+00:00', '2024-02-29T23:59:59.999999Z'],
    ['0001-01-01T00:00:00Z', ZERO_TIME_UTC],
    ['0050-03-01T00:00:00Z', '0050-03-01T00:00:00.000000Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
  ])('reads %s as %s', (text, utc) => {
    expect(parseRfc3339(text)?.utc).toBe(utc);
  });

  it('gives the epoch milliseconds of the instant', () => {
    expect(parseRfc3339('2025-06-22T10:00:00.123+02:00')?.epochMs).toBe(
      Date.parse('2025-06-22T08:00:00.123Z'),
    );
  });

  it.each([
    '',
    '2025-06-22',
    '2025-06-22T10:00:00',
    '2025-06-22 10:00:00Z',
    '2025-06-22T10:00Z',
    '2025-06-22T10:00:00+0200',
    '2025-06-22T10:00:00+02',
    '2025-06-22T10:00:00.Z',
    '2025-06-22T10:00:00.1234567890Z',
    '2025-13-01T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-06-22T24:00:00Z',
    '2025-06-22T10:60:00Z',
    '2016-12-31T23:59:60Z',
    '2025-06-22T10:00:00+24:00',
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59-00:01',
    ' 2025-06-22T10:00:00Z',
    '2025-06-22T10:00:00Z\n',
    '٢٠٢٥-06-22T10:00:00Z',
    "2025-06-22T10:00:00Z' OR '1'='1",
  ])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});

describe('toApiTimestamp', () => {
  it.each([
    ['2025-06-22T10:00:00.000000Z', '2025-06-22T10:00:00Z'],
    ['2025-06-22T10:00:10.000000Z', '2025-06-22T10:00:10Z'],
    ['2025-06-22T10:00:00.500000Z', '2025-06-22T10:00:00.5Z'],
    ['2025-06-22T10:00:00.000001Z', '2025-06-22T10:00:00.000001Z'],
  ])('writes %s as %s', (canonical, api) => {
    expect(toApiTimestamp(canonical)).toBe(api);
  });
});

it('formats a column in SQL as the canonical UTC form', () => {
  expect(canonicalUtcSql('occurred_at')).toBe(
    `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  );
});

describe('text checks', () => {
  it('counts characters as PostgreSQL does, not UTF-16 units', () => {
    expect(characterLength('abc')).toBe(3);
    expect(characterLength('😀😀')).toBe(2);
    expect(characterLength('é')).toBe(1);
  });

  it('refuses U+0000 and unpaired surrogates, and nothing else', () => {
    expect(isStorableText('plain, ünïcödé, 😀, \t\n')).toBe(true);
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud83d')).toBe(false);
    expect(isStorableText('x\ude00')).toBe(false);
    expect(isStorableText('\ude00\ud83d')).toBe(false);
  });
});
