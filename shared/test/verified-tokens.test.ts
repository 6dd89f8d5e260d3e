import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../src/verified-tokens.js';

describe('VerifiedTokens', () => {
  const claims = (exp: number) => ({ exp, user_id: 1 });

  it('answers a token until its exp, then forgets it', () => {
    const tokens = new VerifiedTokens<{ exp: number }>(10);
    tokens.add('a.b.c', claims(100));
    expect(tokens.get('a.b.c', 99_999)).toEqual(claims(100));
    expect(tokens.get('a.b.c', 100_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('knows only the exact token string', () => {
    const tokens = new VerifiedTokens<{ exp: number }>(10);
    tokens.add('a.b.c', claims(100));
    expect(tokens.get('a.b.c ', 0)).toBeUndefined();
    expect(tokens.get('a.b.C', 0)).toBeUndefined();
  });

  it('keeps at most `max` tokens, dropping the oldest first', () => {
    const tokens = new VerifiedTokens<{ exp: number }>(2);
    tokens.add('one', claims(100));
    tokens.add('two', claims(100));
    tokens.add('three', claims(100));
    expect(tokens.size).toBe(2);
    expect(tokens.get('one', 0)).toBeUndefined();
    expect(tokens.get('three', 0)).toEqual(claims(100));
  });
});
