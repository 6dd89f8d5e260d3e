import { HttpError } from './errors.js';
import { parseRfc3339 } from './rfc3339.js';

/**
 * The from/to query filters in canonical UTC form. The schema's date-time format lets through
 * forms PostgreSQL would refuse or read differently (a leap second, year 0000), so they are
 * parsed again here; a bad one is the same 400 as any other invalid query.
 */
export function parseTimeRange(query: { from?: string; to?: string }): {
  from?: string;
  to?: string;
} {
  const problems: { field: string; message: string }[] = [];
  const parse = (name: 'from' | 'to') => {
    const text = query[name];
    if (text === undefined) return undefined;
    const instant = parseRfc3339(text);
    if (!instant)
      problems.push({ field: `querystring.${name}`, message: 'must be an RFC 3339 date-time' });
    return instant?.utc;
  };
  const range = { from: parse('from'), to: parse('to') };
  if (problems.length > 0)
    throw new HttpError(400, 'VALIDATION_ERROR', 'Invalid request', problems);
  return range;
}
