import { messageFor, t } from '../i18n/i18n.js';

/**
 * An error answer of the API, carrying the body's own message (Italian where the original had
 * one) and code. Every service and the gateway answer `{"error", "code"[, "details"]}`;
 * anything else (a proxy's HTML page, a dropped connection) still becomes an
 * ApiError with a message a person can read.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** The whole body, for the extra keys some errors carry (event_id, valid_statuses). */
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** The message followed by the validation details, e.g. "querystring.page: must be integer". */
  describe(): string {
    const lines = detailLines(this.details);
    return lines.length === 0 ? this.message : `${this.message}: ${lines.join('; ')}`;
  }
}

/** No answer at all: offline, DNS, the connection refused or reset. */
export const NETWORK_ERROR = 'NETWORK_ERROR';

function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((item: unknown) => {
    if (typeof item === 'string') return [item];
    if (item && typeof item === 'object') {
      const { field, message } = item as { field?: unknown; message?: unknown };
      if (typeof message === 'string') {
        return [typeof field === 'string' && field !== '' ? `${field}: ${message}` : message];
      }
    }
    return [];
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The ApiError for a non-2xx answer, from its body text. */
export function errorFromBody(status: number, statusText: string, text: string): ApiError {
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body)) {
    const message =
      typeof body.error === 'string'
        ? body.error
        : typeof body.message === 'string'
          ? body.message
          : undefined;
    if (message !== undefined) {
      const code = typeof body.code === 'string' ? body.code : `HTTP_${String(status)}`;
      return new ApiError(status, code, message, body.details, body);
    }
  }
  // Not the API's JSON: a short text body is still the best message there is.
  const plain = text.trim();
  const message =
    plain !== '' && plain.length <= 200 && !plain.startsWith('<')
      ? plain
      : `HTTP ${String(status)}${statusText ? ` ${statusText}` : ''}`;
  return new ApiError(status, `HTTP_${String(status)}`, message);
}

/**
 * What to show for an API error in the reader's language: the app's own message for its `code`
 * (both catalogues have one for every code the services answer, checked by
 * test/error-codes.test.ts), with the validation details after it; an answer that is not the
 * API's JSON by its status; the API's `error` text only for a code this app does not know yet.
 */
export function apiErrorMessage(error: ApiError): string {
  const own = /^[A-Z][A-Z0-9_]*$/.test(error.code) ? messageFor(`errors.${error.code}`) : undefined;
  const notJson = /^HTTP_\d+$/.test(error.code) && error.body === undefined;
  const message = own ?? (notJson ? t('errors.httpStatus', { status: error.status }) : undefined);
  if (message === undefined) return error.describe();
  const lines = detailLines(error.details);
  return lines.length === 0 ? message : `${message} ${lines.join('; ')}`;
}

/** What to show for any error a call can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return apiErrorMessage(error);
  if (error instanceof Error) return error.message;
  return String(error);
}
