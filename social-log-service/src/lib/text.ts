/**
 * Checks on text that PostgreSQL would otherwise refuse with an error (a 500) or silently alter:
 * `text` and `jsonb` cannot hold U+0000, and a lone UTF-16 surrogate cannot be encoded as UTF-8,
 * so the driver would store U+FFFD instead of what was sent (and an audit row's hash, computed on
 * what was sent, would no longer match what was stored).
 */

const SURROGATE_PAIR = /[\ud800-\udbff][\udc00-\udfff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** False when the text holds U+0000 or a lone surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** Length in characters (code points), as PostgreSQL's varchar(n) and char_length count. */
export function characterLength(text: string): number {
  // Each surrogate pair is two UTF-16 units but one character.
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}
