import { HttpError, isDatabaseUnavailable, recordSystemError } from '@cloud-backend/shared';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * system_errors_total{service, error_type}: the original counted body_parse, missing_fields and
 * db_error on its one route (docs/compatibility.md#social-log-post); the port keeps those names,
 * adds invalid_field for the length and character checks the original left to the database, and
 * counts on every route.
 */
const BY_CODE: Record<string, string> = {
  INVALID_BODY: 'body_parse',
  INVALID_AUDIT_EVENT: 'body_parse',
  MISSING_FIELDS: 'missing_fields',
  FIELD_TOO_LONG: 'invalid_field',
  INVALID_CHARACTERS: 'invalid_field',
  DB_ERROR: 'db_error',
};

// What pg's DatabaseError carries: a five-character SQLSTATE and a severity.
function isPostgresError(error: Error): boolean {
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/** The error_type an error counts as, or undefined for errors that are not counted (401, 403, 404). */
export function systemErrorType(error: FastifyError): string | undefined {
  if (error instanceof HttpError) return BY_CODE[error.code];
  if (error.validation) return error.validationContext === 'body' ? 'body_parse' : undefined;
  // Typed as always set, but an Error thrown by a library may have no code at all.
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('FST_ERR_CTP_')) return 'body_parse';
  if (isDatabaseUnavailable(error) || isPostgresError(error)) return 'db_error';
  return undefined;
}

/** An onError hook (it runs before the error handler, with the error as thrown). */
export function countSystemErrors(service: string) {
  return async (_request: FastifyRequest, _reply: FastifyReply, error: FastifyError) => {
    const type = systemErrorType(error);
    if (type) recordSystemError(type, service);
  };
}
