import { parse } from 'csv-parse/sync';

/** The rows of a CSV with a header line, as objects keyed by the header's names. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true });
}
