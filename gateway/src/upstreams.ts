import { Pool } from 'undici';
import type { Config } from './config.js';

/**
 * The `target_service` label values of gateway_proxy_requests_total
 * (docs/compatibility.md#metric-names).
 */
export type UpstreamName =
  | 'auth-service'
  | 'user-service'
  | 'social-log-service'
  | 'dashboard-api'
  | 'prometheus-service';

export interface Upstream {
  name: UpstreamName;
  /** The upstream's origin, e.g. http://user-service:3002. */
  url: string;
  /** Its keep-alive connections: every route to this upstream and its probes share them. */
  pool: Pool;
  /** What answers 200 when the upstream can take traffic. */
  readyPath: string;
}

export type Upstreams = Record<Exclude<UpstreamName, 'prometheus-service'>, Upstream> & {
  /** Absent when PROMETHEUS_URL is not set. */
  'prometheus-service'?: Upstream;
};

/**
 * One undici pool per upstream, with the connect and response timeouts of the configuration, so
 * a dead upstream costs a request at most UPSTREAM_CONNECT_TIMEOUT_MS and a hung one at most
 * UPSTREAM_TIMEOUT_MS (docs/compatibility.md#fix-upstream-errors).
 */
export function createUpstreams(config: Config): Upstreams {
  const make = (name: UpstreamName, url: string, readyPath = '/health/ready'): Upstream => ({
    name,
    url: new URL(url).origin,
    readyPath,
    pool: new Pool(new URL(url).origin, {
      connections: 128,
      pipelining: 1,
      connect: { timeout: config.UPSTREAM_CONNECT_TIMEOUT_MS },
      headersTimeout: config.UPSTREAM_TIMEOUT_MS,
      bodyTimeout: config.UPSTREAM_TIMEOUT_MS,
    }),
  });
  return {
    'auth-service': make('auth-service', config.AUTH_SERVICE_URL),
    'user-service': make('user-service', config.USER_SERVICE_URL),
    'social-log-service': make('social-log-service', config.SOCIAL_LOG_SERVICE_URL),
    'dashboard-api': make('dashboard-api', config.DASHBOARD_API_URL),
    ...(config.PROMETHEUS_URL
      ? { 'prometheus-service': make('prometheus-service', config.PROMETHEUS_URL, '/-/ready') }
      : {}),
  };
}

/** Every configured upstream, in a stable order. */
export function listUpstreams(upstreams: Upstreams): Upstream[] {
  // An unconfigured Prometheus is an absent key, never an undefined value.
  return Object.values(upstreams);
}
