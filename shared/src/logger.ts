import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { stdTimeFunctions, type DestinationStream, type LoggerOptions } from 'pino';
import { activeTraceIds } from './trace-ids.js';

/** Field names whose values never reach a log line, at any depth we log. */
export const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'current_password',
  'new_password',
  'old_password',
  'token',
  'refresh_token',
  'access_token',
  'qr_token',
  'secret',
  'JWT_SECRET',
] as const;

const MAX_DEPTH = 4;

function pathsFor(key: string): string[] {
  const accessor = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  const paths: string[] = [accessor.startsWith('.') ? key : accessor];
  for (let depth = 1; depth <= MAX_DEPTH; depth++) {
    paths.push(Array.from({ length: depth }, () => '*').join('.') + accessor);
  }
  return paths;
}

export const REDACT_PATHS = SENSITIVE_KEYS.flatMap(pathsFor);

const SENSITIVE_QUERY = /([?&](?:token|access_token|refresh_token|password|jwt)=)[^&#]*/gi;

/** A URL as it may be logged: the values of credential-like query parameters are hidden. */
export function redactUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[REDACTED]');
}

export interface LoggerSettings {
  service: string;
  level: string;
  format: 'json' | 'pretty';
  /** Where JSON lines go instead of stdout (tests read them). */
  stream?: DestinationStream;
}

/** pino options shared by every service: JSON lines in production, readable in development. */
export function loggerOptions({
  service,
  level,
  format,
  stream,
}: LoggerSettings): LoggerOptions & { stream?: DestinationStream } {
  return {
    ...(stream ? { stream } : {}),
    level,
    base: { service },
    // trace_id and span_id beside reqId, to find a request's trace from its lines (tracing.ts).
    mixin: activeTraceIds,
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(request: {
        method: string;
        url: string;
        ip?: string;
        headers?: Record<string, unknown>;
      }) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
          userAgent: request.headers?.['user-agent'],
        };
      },
    },
    ...(format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname,service',
              singleLine: true,
              colorize: process.stdout.isTTY || process.env.FORCE_COLOR !== undefined,
            },
          },
        }
      : {}),
  };
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id: the caller's X-Request-ID when it is a sane token (so one id follows a request
 * through nginx, the gateway and a service), otherwise a fresh UUID. Odd values are replaced
 * rather than trusted, because the id is written into every log line.
 */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && SAFE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}
