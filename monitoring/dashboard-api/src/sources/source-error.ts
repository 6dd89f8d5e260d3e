/** The places a dashboard value can come from, as named in every reply's `metadata.sources`. */
export type SourceName = 'prometheus' | 'auth_db' | 'user_db';

/**
 * Why a source gave no answer:
 * - `not_configured`: its URL variable is unset;
 * - `unavailable`: it could not be reached, or answered with a server error;
 * - `timeout`: it did not answer in time;
 * - `query_failed`: it answered, but refused or failed this one query.
 */
export type FailureKind = 'not_configured' | 'unavailable' | 'timeout' | 'query_failed';

/** A source that did not deliver; the fields it feeds become null with this as the reason. */
export class SourceError extends Error {
  constructor(
    readonly source: SourceName,
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SourceError';
  }

  /** The sentence a client reads in `metadata.null_fields`. */
  get reason(): string {
    const kind = this.kind.replace('_', ' ');
    return `${this.source} ${kind}: ${this.message}`;
  }
}

/** The message of an error and of its cause (fetch and pg put the useful part in `cause`). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error && cause.message !== '') return cause.message;
  const code = (err as { code?: unknown }).code;
  if (err.message === '' && typeof code === 'string') return code;
  return err.message;
}
