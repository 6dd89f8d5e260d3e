import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalForm,
  canonicalJson,
  chainHash,
  GENESIS_HASH,
  type ChainedFields,
} from '../src/audit/hash-chain.js';

const fields: ChainedFields = {
  event_id: '0b7d3c1e-3f5a-4c6e-9a1b-2d4f6a8c0e12',
  occurred_at: '2025-06-22T10:00:00.123000Z',
  service: 'auth-service',
  action: 'user.login_failed',
  user_id: 42,
  actor_id: null,
  success: false,
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0',
  request_id: 'req-1',
  details: { reason: 'bad_password', attempt: 3 },
  received_at: '2025-06-22T10:00:01.000000Z',
};

describe('canonicalJson (RFC 8785)', () => {
  it('sorts object keys at every depth and adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units, not by code point, locale or numeric value', () => {
    expect(canonicalJson({ b: 1, '10': 2, '9': 3, B: 4, é: 5, '😀': 6, '\ufb33': 7 })).toBe(
      '{"10":2,"9":3,"B":4,"b":1,"é":5,"\ud83d\ude00":6,"\ufb33":7}',
    );
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1, 'a"\\\n\u001f', true])).toBe(
      '[1e+21,1e-7,0,0.1,"a\\"\\\\\\n\\u001f",true]',
    );
  });

  it('gives the same text whatever the order keys were inserted in', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(
      canonicalJson({ y: { q: 2, p: 1 }, x: 1 }),
    );
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
  });
});

describe('chainHash', () => {
  it('hashes the documented canonical form after the previous hash', () => {
    const canonical =
      '["audit-event/v1","0b7d3c1e-3f5a-4c6e-9a1b-2d4f6a8c0e12","2025-06-22T10:00:00.123000Z",' +
      '"auth-service","user.login_failed",42,null,false,"203.0.113.7","Mozilla/5.0","req-1",' +
      '{"attempt":3,"reason":"bad_password"},"2025-06-22T10:00:01.000000Z"]';
    expect(canonicalForm(fields)).toBe(canonical);
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonical)
      .digest('hex');
    expect(chainHash(GENESIS_HASH, fields)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any field and with the previous hash', () => {
    const base = chainHash(GENESIS_HASH, fields);
    expect(chainHash('1'.repeat(64), fields)).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...fields, success: true })).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { ...fields, details: { reason: 'x', attempt: 3 } })).not.toBe(
      base,
    );
    expect(
      chainHash(GENESIS_HASH, { ...fields, received_at: '2025-06-22T10:00:01.000001Z' }),
    ).not.toBe(base);
    // null and "null" are different values.
    expect(chainHash(GENESIS_HASH, { ...fields, ip: null })).not.toBe(
      chainHash(GENESIS_HASH, { ...fields, ip: 'null' }),
    );
  });

  it('does not depend on the order of the keys in details', () => {
    expect(
      chainHash(GENESIS_HASH, { ...fields, details: { attempt: 3, reason: 'bad_password' } }),
    ).toBe(chainHash(GENESIS_HASH, fields));
  });
});
