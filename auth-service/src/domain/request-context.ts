import type { FastifyRequest } from 'fastify';

/** Who is asking, as recorded in auth_logs and audit events. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

/**
 * `request.ip` is the client's address when the request came through a trusted proxy (the
 * gateway, per TRUST_PROXY), else the peer's. IPv4-mapped IPv6 is printed as plain IPv4.
 */
export function requestContext(request: FastifyRequest): RequestContext {
  const ip = request.ip ? request.ip.replace(/^::ffff:/, '').slice(0, 64) : null;
  const userAgent = request.headers['user-agent'];
  return {
    ip,
    userAgent: userAgent ? userAgent.slice(0, 512) : null,
    requestId: request.id,
  };
}
