import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { OutboxWorker, type AuditEventInput } from '@cloud-backend/shared';
import type { Config } from '../config.js';

/** Who did it and from where, as every audit event records it. */
export function auditOrigin(
  request: FastifyRequest,
): Pick<AuditEventInput, 'ip' | 'user_agent' | 'request_id'> {
  return {
    ip: request.ip.slice(0, 64),
    user_agent: request.headers['user-agent']?.slice(0, 512) ?? null,
    request_id: request.id.slice(0, 128),
  };
}

/**
 * Delivers the audit outbox to social-log-service when both its URL and the service credential
 * are configured. The routes write events in their own transactions either way, so nothing is
 * lost while delivery is off or social-log is down.
 */
export default fp<{ config: Config; service: string }>(
  async (app, { config, service }) => {
    const url = config.SOCIAL_LOG_SERVICE_URL;
    const token = config.INTERNAL_API_TOKEN;
    if (!url || !token) {
      app.log.info('audit delivery off: SOCIAL_LOG_SERVICE_URL or INTERNAL_API_TOKEN unset');
      return;
    }
    const worker = new OutboxWorker({ pool: app.db, service, targetUrl: url, token, log: app.log });
    app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', async () => worker.stop());
  },
  { name: 'audit-outbox' },
);
