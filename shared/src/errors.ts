import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './db.js';

/** The JSON body of every error this system returns (docs/compatibility.md#errors). */
export interface ErrorBody {
  error: string;
  code: string;
  details?: unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body a route answers for a body it cannot use (bad JSON, wrong content type, schema
     * violation), when its original contract has one, such as `{"error":"Payload non valido"}`.
     */
    invalidPayload?: ErrorBody;
  }
}

/** An error whose status, code and message are meant for the client. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, details: this.details };
  }
}

const BODY_ERRORS: Record<string, { status: number; body: ErrorBody }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    body: { error: 'Request body is too large', code: 'PAYLOAD_TOO_LARGE' },
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    body: { error: 'Unsupported Content-Type', code: 'UNSUPPORTED_MEDIA_TYPE' },
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    body: { error: 'Request body is empty', code: 'INVALID_JSON' },
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    body: { error: 'Request body is not valid JSON', code: 'INVALID_JSON' },
  },
  CB_ERR_UNSTORABLE_TEXT: {
    status: 400,
    body: {
      error: 'Text may not contain NUL characters or unpaired surrogates',
      code: 'INVALID_TEXT',
    },
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    body: { error: 'Content-Length does not match the body', code: 'BAD_REQUEST' },
  },
};

function codeForStatus(status: number): string {
  return (STATUS_CODES[status] ?? 'Error').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

function validationDetails(error: FastifyError) {
  return (error.validation ?? []).map((issue) => {
    const where = error.validationContext ?? 'request';
    const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty;
    const path = [
      where,
      ...issue.instancePath.split('/').filter(Boolean),
      ...(missing ? [missing] : []),
    ];
    return { field: path.join('.'), message: issue.message ?? 'is invalid' };
  });
}

/**
 * Turns every error into the JSON error model. Client mistakes keep a useful message; anything
 * else is logged with its stack and answered with a body that says nothing about internals.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const invalidPayload = request.routeOptions.config.invalidPayload;

  if (error instanceof HttpError) {
    if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(error.statusCode).headers(error.headers).send(error.toBody());
  }
  if (error.validation) {
    if (invalidPayload && error.validationContext === 'body') {
      return reply.code(400).send(invalidPayload);
    }
    return reply.code(400).send({
      error: 'Invalid request',
      code: 'VALIDATION_ERROR',
      details: validationDetails(error),
    });
  }
  const known = error.code ? BODY_ERRORS[error.code] : undefined;
  if (known) {
    if (invalidPayload && known.status !== 413) return reply.code(400).send(invalidPayload);
    return reply.code(known.status).send(known.body);
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return reply
      .code(503)
      .header('retry-after', '5')
      .send({ error: 'Service temporarily unavailable', code: 'DATABASE_UNAVAILABLE' });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: error.message, code: codeForStatus(status) });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: 'Internal server error', code: 'INTERNAL_ERROR' });
}

export const NOT_FOUND: ErrorBody = { error: 'Not found', code: 'NOT_FOUND' };
export const METHOD_NOT_ALLOWED: ErrorBody = {
  error: 'Method not allowed',
  code: 'METHOD_NOT_ALLOWED',
};
