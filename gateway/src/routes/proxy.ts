import fp from 'fastify-plugin';
import { metrics, type ErrorBody } from '@cloud-backend/shared';
import { forward } from '../proxy/forward.js';
import type { Upstreams } from '../upstreams.js';
import { routeTable } from './route-table.js';

export interface ProxyRoutesOptions {
  upstreams: Upstreams;
  timeoutMs: number;
  varyOnOrigin: boolean;
}

export const MONITORING_UNAVAILABLE: ErrorBody = {
  error: 'Monitoring is not configured (PROMETHEUS_URL is not set)',
  code: 'MONITORING_UNAVAILABLE',
};

/** Every proxied route, and gateway_proxy_requests_total for each answer they give. */
export default fp<ProxyRoutesOptions>(
  async (app, { upstreams, timeoutMs, varyOnOrigin }) => {
    // Once the answer is final, so the gateway's own 401/403/502/504 count too, with the status
    // the client got (the original counted the status of the moment:
    // docs/compatibility.md#fix-metrics).
    app.addHook('onResponse', (request, reply, done) => {
      const upstream = request.routeOptions.config.upstream;
      if (upstream !== undefined) {
        metrics.proxyRequestsTotal.inc({
          target_service: upstream,
          status_code: String(reply.statusCode),
        });
      }
      done();
    });

    for (const route of routeTable(app, upstreams)) {
      await forward(app, route, { timeoutMs, varyOnOrigin });
    }

    if (!upstreams['prometheus-service']) {
      const unavailable = {
        onRequest: [app.authenticate, app.requireAdmin],
        schema: { hide: true },
      };
      for (const url of ['/monitoring', '/monitoring/*']) {
        app.get(url, unavailable, async (_request, reply) =>
          reply.code(503).send(MONITORING_UNAVAILABLE),
        );
      }
    }
  },
  { name: 'gateway-proxy-routes', fastify: '5.x' },
);
