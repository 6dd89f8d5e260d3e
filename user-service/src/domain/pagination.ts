export interface Page {
  page: number;
  limit: number;
  offset: number;
}

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 100;

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\+?\d+\s*$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

/**
 * `page` and `limit` as the original read them: anything that is not a positive integer falls
 * back to the default. One fix (docs/compatibility.md#fix-page-limit): a limit above 100 is
 * clamped to 100, where the original silently reset it to 10.
 */
export function parsePage(query: { page?: string; limit?: string }): Page {
  const page = positiveInteger(query.page) ?? 1;
  const limit = Math.min(positiveInteger(query.limit) ?? DEFAULT_LIMIT, MAX_LIMIT);
  // Far pages are empty anyway; bounding the offset keeps it a valid bigint.
  const offset = Math.min((page - 1) * limit, Number.MAX_SAFE_INTEGER);
  return { page, limit, offset };
}
