import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's settings for the gateway. HSTS is nginx's (it terminates TLS; a gateway reached over
 * plain HTTP in development must not send it), and so is upgrading insecure requests.
 */
export const HELMET_OPTIONS: HelmetOptions = {
  strictTransportSecurity: false,
  contentSecurityPolicy: {
    useDefaults: true,
    directives: { 'upgrade-insecure-requests': null },
  },
};

/** The headers helmet sets for these options, worked out once by running it on a stand-in. */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      Reflect.deleteProperty(headers, name.toLowerCase());
    },
  };
  // helmet's static policies never read the request; its middleware only needs one to exist.
  const request = new IncomingMessage(new Socket());
  helmet(options)(request, response as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('helmet failed', { cause: err });
  });
  return headers;
}

const HEADERS = helmetHeaders(HELMET_OPTIONS);
const DOCUMENT_POLICY = 'content-security-policy';

/**
 * The Content-Security-Policy of the documents the gateway serves (the web app under make dev,
 * routes/frontend.ts). A policy governs what a page may load; an API answer is JSON a browser never
 * renders (X-Content-Type-Options: nosniff), so API answers go without it, as the original's did
 * (docs/compatibility.md#fix-cors-headers), and save its 230 bytes. In containers nginx serves the
 * web app with the same policy.
 */
export const DOCUMENT_SECURITY_POLICY = HEADERS[DOCUMENT_POLICY] ?? '';

const API_HEADERS = Object.fromEntries(
  Object.entries(HEADERS).filter(([name]) => name !== DOCUMENT_POLICY),
);

/**
 * helmet's headers on every response, proxied ones, preflights and errors included (the
 * original's proxy wiped them: docs/compatibility.md#fix-cors-headers). The app sets them
 * before anything can answer (app.ts), so the 400s raised before routing carry them too. The
 * policy is helmet's own; it is applied from a precomputed set because @fastify/helmet
 * rebuilds helmet's middleware, CSP parsing included, on every request (about 5 % of the
 * gateway's CPU in bench/gateway), for headers that never change.
 */
export function setSecurityHeaders(reply: FastifyReply): void {
  reply.headers(API_HEADERS);
}
