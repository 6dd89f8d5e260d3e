import fc from 'fast-check';
import { ATTENDANCE_STATUSES } from '../../../user-service/src/domain/statuses.js';

/** The part of JSON Schema (as TypeBox writes it into OpenAPI) the generators read. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  description?: string;
}

/** Values that exist in the running system, so that some inputs get past validation. */
export interface Fixtures {
  userIds: number[];
  eventIds: string[];
  emails: string[];
  passwords: string[];
  refreshTokens: string[];
  /** QR contents as the admin API hands them out ({jwt, type, version}). */
  qrContents: Record<string, unknown>[];
}

/**
 * A JSON object as a list of members, so that a body can carry what a JS object literal
 * cannot: a "__proto__" member, or the same key twice.
 */
export class Members {
  constructor(readonly entries: [string, unknown][]) {}
}

/** JSON text written out as is: nesting deeper than a recursive serialiser can walk. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a generated value (Members kept in order, duplicates included). */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Members) {
    return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  // JSON.stringify gives undefined for undefined (its type says string).
  const text = JSON.stringify(value) as string | undefined;
  return text ?? 'null';
}

/** One of `values` (an empty list gives the empty string, never an error). */
export const oneOf = <T>(values: readonly T[]): fc.Arbitrary<T | ''> =>
  values.length > 0 ? fc.constantFrom(...values) : fc.constant('');

/** Strings that have broken parsers, queries and encoders before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uD83D',
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  "1' AND pg_sleep(3) IS NULL --",
  '\\',
  '%',
  '%00',
  '%s%s%n',
  '${7*7}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '\r\nX-Injected: 1',
  '\t\u000b\u0007',
  'NaN',
  'null',
  'undefined',
  '-1',
  '0',
  '1e999',
  '99999999999999999999',
  '０１２',
  'Ω≈ç√∫ ñ',
  '🙂👩‍👩‍👧',
  '\u202Etxt.exe',
  '\uFEFF',
  'e\u0301',
  'İß',
  '\u0085\u2028',
  '2024-02-30',
  '0000-00-00',
  '9999-12-31T23:59:60Z',
  '2024-01-01T00:00:00+25:00',
  'user@',
  '@example.com',
  'Bob <bob@example.com>',
];

const NUMBERS = [
  0,
  -0,
  -1,
  1,
  1.5,
  -1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  5e-324,
];

/** A string of `length` copies of one (possibly multi-byte) character. */
const ofLength = (lengths: number[]) =>
  fc
    .tuple(fc.constantFrom(...lengths), fc.constantFrom('a', 'é', '🙂', ' ', '\u0000'))
    .map(([length, unit]) => unit.repeat(length));

/** Strings around the schema's limits, plus huge ones. */
function edgeString(schema: JsonSchema): fc.Arbitrary<string> {
  const lengths = new Set([0, 1, 255, 256, 1001, 20_000]);
  for (const limit of [schema.minLength, schema.maxLength]) {
    if (limit !== undefined) [limit - 1, limit, limit + 1].forEach((n) => lengths.add(n));
  }
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: ofLength([...lengths].filter((n) => n >= 0)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(300_000)) },
  );
}

function edgeNumber(schema: JsonSchema): fc.Arbitrary<number> {
  const numbers = [...NUMBERS];
  for (const limit of [schema.minimum, schema.maximum]) {
    if (limit !== undefined) numbers.push(limit - 1, limit, limit + 1);
  }
  return fc.oneof(fc.constantFrom(...numbers), fc.integer(), fc.double({ noNaN: true }));
}

/** A value of any type but (usually) the wrong one. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], {}, [[]], { '': null }),
  fc.constant(new RawJson(`${'['.repeat(5000)}1${']'.repeat(5000)}`)),
  fc.constant(new RawJson(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`)),
  fc.constant(new Members([['__proto__', { admin: true }]])),
  fc.constant(new Members([['constructor', { prototype: { admin: true } }]])),
  fc.jsonValue({ maxDepth: 3 }),
);

const iso = fc
  .date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
  .map((date) => date.toISOString());
const withOffset = iso.map((text) => text.replace('Z', '+02:00'));
const dateOnly = iso.map((text) => text.slice(0, 10));
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format();

/** Plausible strings for a field, from its name, description and format. */
function plausibleString(name: string, schema: JsonSchema, fixtures: Fixtures) {
  const hint = `${name} ${schema.description ?? ''} ${schema.format ?? ''}`.toLowerCase();
  const options: fc.Arbitrary<string>[] = [
    fc.string({
      minLength: schema.minLength ?? 0,
      maxLength: Math.min(schema.maxLength ?? 30, 30),
    }),
  ];
  const add = (...values: string[]) => options.push(oneOf(values));
  if (schema.pattern) {
    try {
      options.push(fc.stringMatching(new RegExp(schema.pattern), { maxLength: 40 }));
    } catch {
      // A pattern fast-check cannot generate from: the other options still apply.
    }
  }
  if (/email|identifier|username|\bq\b/.test(hint) && fixtures.emails.length > 0) {
    add(...fixtures.emails);
    options.push(fc.emailAddress());
  }
  if (/password/.test(hint)) add(...fixtures.passwords, 'short', 'x'.repeat(73), 'é'.repeat(40));
  if (/date-time|rfc 3339|timestamp|_at\b|^(from|to)\b/.test(hint)) options.push(iso, withOffset);
  if (/yyyy-mm-dd|^date\b/.test(hint)) options.push(dateOnly, fc.constant(today()));
  if (/status/.test(hint)) add(...ATTENDANCE_STATUSES, 'published', 'draft');
  if (/role/.test(hint)) add('user', 'admin', 'Admin', 'root');
  if (/refresh/.test(hint)) add(...fixtures.refreshTokens);
  if (/jwt/.test(hint)) add(...fixtures.qrContents.map((qr) => String(qr.jwt)));
  if (/social/.test(hint)) add('instagram', 'x', 'a'.repeat(50));
  if (/timezone/.test(hint)) add('Europe/Rome', 'UTC', 'Etc/GMT+14', 'Mars/Olympus');
  if (/^type$/.test(name)) add(...fixtures.qrContents.map((qr) => String(qr.type)), 'other');
  if (/^version$/.test(name)) add(...fixtures.qrContents.map((qr) => String(qr.version)), '0');
  if (/(^|_)id$/.test(name)) {
    add(...fixtures.userIds.map(String), ...fixtures.eventIds);
    options.push(fc.uuid());
  }
  if (schema.enum) add(...schema.enum.map(String));
  return fc.oneof(...options);
}

/** A value that usually fits the schema, so the request gets past validation. */
function plausible(name: string, schema: JsonSchema, fixtures: Fixtures): fc.Arbitrary<unknown> {
  if (schema.anyOf && schema.anyOf.length > 0) {
    return fc.oneof(...schema.anyOf.map((branch) => plausible(name, branch, fixtures)));
  }
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
      return fc.oneof(
        fc.integer({
          min: schema.minimum ?? -10,
          max: schema.maximum ?? Math.max(1000, schema.minimum ?? 0),
        }),
        oneOf(fixtures.userIds),
      );
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(name, schema.items ?? {}, fixtures), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return objectFor(schema, fixtures);
    case 'string':
      return plausibleString(name, schema, fixtures);
    default:
      return anyJson;
  }
}

/** Mostly plausible, sometimes at or past a limit, sometimes of the wrong type. */
export function valueFor(
  name: string,
  schema: JsonSchema,
  fixtures: Fixtures,
): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const edge =
    type === 'integer' || type === 'number'
      ? edgeNumber(schema)
      : type === 'string' || schema.anyOf
        ? edgeString(schema)
        : anyJson;
  return fc.oneof(
    { weight: 5, arbitrary: plausible(name, schema, fixtures) },
    { weight: 2, arbitrary: edge },
    { weight: 1, arbitrary: anyJson },
  );
}

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'role', 'user_id', 'id', '', '\u0000'),
  fc.string({ maxLength: 12 }),
);

/**
 * An object for the schema: every property may be missing (required ones too), any may be
 * invalid, sometimes with extra or repeated members.
 */
export function objectFor(schema: JsonSchema, fixtures: Fixtures): fc.Arbitrary<Members> {
  const properties = Object.entries(schema.properties ?? {});
  const members = properties.map(([name, property]) =>
    fc.option(
      valueFor(name, property, fixtures).map((value): [string, unknown] => [name, value]),
      { freq: 6 },
    ),
  );
  const extras = fc.array(fc.tuple(extraKey, anyJson), { maxLength: 3 });
  return fc
    .tuple(fc.tuple(...members), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, extras))
    .map(([own, extra]) => {
      const present = own.filter((member): member is [string, unknown] => member !== null);
      return new Members([...present, ...extra]);
    });
}
