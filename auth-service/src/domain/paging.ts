export interface Paging {
  page: number;
  limit: number;
  offset: bigint;
}

const INTEGER = /^[+-]?\d+$/;

function parseInteger(raw: string | undefined): number | undefined {
  if (raw === undefined || !INTEGER.test(raw)) return undefined;
  // Past 2^53 a JSON number cannot echo it exactly; such pages are empty anyway.
  return Math.min(Number(raw), Number.MAX_SAFE_INTEGER);
}

/**
 * The original's lenient paging rules: anything unparsable falls back to the default,
 * page < 1 is 1, and a limit < 1 or > max becomes the default (it is not clamped to max).
 * The offset is a bigint so an absurd page is an empty page, not an overflow.
 */
export function parsePaging(
  page: string | undefined,
  limit: string | undefined,
  defaults = { limit: 50, max: 500 },
): Paging {
  const p = Math.max(1, parseInteger(page) ?? 1);
  let l = parseInteger(limit) ?? defaults.limit;
  if (l < 1 || l > defaults.max) l = defaults.limit;
  return { page: p, limit: l, offset: (BigInt(p) - 1n) * BigInt(l) };
}

export function pagesTotal(total: number, limit: number): number {
  return total === 0 ? 0 : Math.ceil(total / limit);
}
