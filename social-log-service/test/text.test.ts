import { describe, expect, it } from 'vitest';
import { characterLength, isStorableText } from '../src/lib/text.js';

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
