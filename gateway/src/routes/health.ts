import fp from 'fastify-plugin';
import { rfc3339Now } from '@cloud-backend/shared';
import type { Upstream } from '../upstreams.js';

export interface UpstreamHealthOptions {
  service: string;
  version: string;
  upstreams: Upstream[];
}

type State = 'up' | 'down';

const PROBE_TIMEOUT_MS = 1000;
// /health is public: however often it is asked, each upstream is probed at most once a second.
const REUSE_FOR_MS = 1000;

async function probe(upstream: Upstream): Promise<State> {
  try {
    const response = await upstream.pool.request({
      method: 'GET',
      path: upstream.readyPath,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.body.dump();
    return response.statusCode === 200 ? 'up' : 'down';
  } catch {
    return 'down';
  }
}

/**
 * GET /health answers as every service's does (200 while the gateway runs) and adds each
 * upstream's readiness, probed at its /health/ready (Prometheus: /-/ready) with a 1 s timeout,
 * and `degraded`: what the gateway does in a fail-safe way at the moment (README, health).
 *
 * shared's /health route has a fixed schema, so the gateway answers GET /health from an
 * onRequest hook (after CORS, helmet and the rate limit) until shared lets a service add
 * details to it; HEAD /health is still shared's.
 */
export default fp<UpstreamHealthOptions>(
  async (app, { service, version, upstreams }) => {
    let last: { at: number; states: Record<string, State> } | undefined;
    let running: Promise<Record<string, State>> | undefined;

    const states = async (): Promise<Record<string, State>> => {
      if (last && Date.now() - last.at < REUSE_FOR_MS) return last.states;
      running ??= Promise.all(
        upstreams.map(async (upstream) => [upstream.name, await probe(upstream)] as const),
      )
        .then((entries) => {
          last = { at: Date.now(), states: Object.fromEntries(entries) };
          return last.states;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    };

    // What works, but not as designed: the gateway stays live and (but for the first) ready.
    const degraded = (): string[] => {
      const found: string[] = [];
      // Tokens are refused (503 REVOCATIONS_UNAVAILABLE); /health/ready says so too.
      if (!app.revocations.current) found.push('revocations');
      // Redis is away: auth-service's feed is read directly by every replica.
      if (app.revocations.mirrorFailing) found.push('revocation-mirror');
      // Redis is away: the limits count per replica (N replicas allow N times the limit).
      if (app.rateLimitStore?.perReplica) found.push('rate-limits');
      return found;
    };

    app.addHook('onRequest', (request, reply, done) => {
      // request.url first: request.routeOptions builds a new object on every read.
      if (
        request.method !== 'GET' ||
        !request.url.startsWith('/health') ||
        request.routeOptions.url !== '/health'
      ) {
        done();
        return;
      }
      void states().then((upstreams) => {
        const body = {
          service,
          status: 'healthy',
          timestamp: rfc3339Now(),
          version,
          upstreams,
          degraded: degraded(),
        };
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
      });
    });
  },
  {
    name: 'gateway-upstream-health',
    fastify: '5.x',
    dependencies: ['gateway-revocations', 'gateway-rate-limits'],
  },
);
