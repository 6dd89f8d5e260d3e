import type { Sample } from '../sources/index.js';

/** A value the system cannot know, and why: it becomes `null`, the reason goes in metadata. */
export class Unknown {
  constructor(readonly reason: string) {}
}

export function unknown(reason: string): Unknown {
  return new Unknown(reason);
}

/** Rounded for display; the sources' precision is kept to two decimals. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** part / whole as a percentage, or Unknown when there is nothing to take a share of. */
export function percent(part: number, whole: number, whenEmpty: string): number | Unknown {
  return whole > 0 ? round((part / whole) * 100) : unknown(whenEmpty);
}

export interface NoDataReasons {
  /** The query matched no series. */
  empty?: string;
  /** The query gave NaN or ±Inf: typically a ratio or quantile over a window without events. */
  notFinite?: string;
}

const DEFAULT_EMPTY = 'no data: Prometheus has no series for this query';
const DEFAULT_NOT_FINITE = 'no data: no samples in the window';

/** The value of a query that aggregates to one number, or Unknown. */
export function scalar(samples: Sample[], reasons: NoDataReasons = {}): number | Unknown {
  const first = samples[0];
  if (first === undefined) return unknown(reasons.empty ?? DEFAULT_EMPTY);
  if (!Number.isFinite(first.value)) return unknown(reasons.notFinite ?? DEFAULT_NOT_FINITE);
  return first.value;
}

/** A count from increase(), which extrapolates (10 events may read 10.4): the nearest integer. */
export function count(value: number): number {
  return Math.max(0, Math.round(value));
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** A size as PostgreSQL's pg_size_pretty names units (1024-based), with one decimal: "2.5 GB". */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? String(value) : value.toFixed(1)} ${UNITS[unit] ?? 'B'}`;
}

export const GIB = 1024 ** 3;

/** Applies fn to a known number, passing Unknown through. */
export function map<T>(value: number | Unknown, fn: (n: number) => T): T | Unknown {
  return typeof value === 'number' ? fn(value) : value;
}
