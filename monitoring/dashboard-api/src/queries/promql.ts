/**
 * Every PromQL query the dashboard sends, in one place. Metric and label names are those of the
 * original (docs/compatibility.md#metric-names, `shared/src/metrics.ts`) and of node-exporter;
 * `job` is the scrape job, which monitoring/prometheus/prometheus.yml names after each service.
 */

export const JOBS = {
  auth: 'auth-service',
  user: 'user-service',
  socialLog: 'social-log-service',
  gateway: 'gateway',
  dashboard: 'dashboard-api',
  prometheus: 'prometheus',
} as const;

/** The services behind the gateway: their requests are the API's usage, counted once. */
const SERVICES = [JOBS.auth, JOBS.user, JOBS.socialLog, JOBS.dashboard].join('|');

/** Scrapes, probes and service-to-service calls are not API traffic. */
const NOT_API = 'endpoint!~"/metrics|/health|/health/ready|/internal/.*"';

/** Loopback and virtual interfaces (containers, bridges, overlays) would count traffic twice. */
const PHYSICAL = 'device!~"lo|veth.+|docker.+|br-.+|virbr.+|cali.+|flannel.+|cni.+|vxlan.+"';

/** The rate windows vm-health accepts (`?window=`); 5m is the original's. */
export const WINDOWS = ['1m', '5m', '15m', '1h'] as const;
export type Window = (typeof WINDOWS)[number];

/**
 * A counter's total, or 0 when it has no series while its producer is being scraped: a
 * labelled counter has no series until its first increment, so "no series" from a monitored
 * service means none happened. Unmonitored, it stays empty and the field null.
 */
function zeroWhenScraped(expression: string, jobs: string): string {
  return `(${expression}) or on() (0 * max(up{job=~"${jobs}"}))`;
}

// ------------------------------------------------------------------------------------------
// vm-health
// ------------------------------------------------------------------------------------------

/** Busy share of every CPU of every node-exporter target, 0-100. */
export const cpuUsagePercent = (w: Window) =>
  `100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle"}[${w}])))`;

export const memoryTotalBytes = 'sum(node_memory_MemTotal_bytes)';
export const memoryAvailableBytes = 'sum(node_memory_MemAvailable_bytes)';

/** The root filesystem of each node (node-exporter run with --path.rootfs on the host's /). */
export const diskTotalBytes = 'sum(node_filesystem_size_bytes{mountpoint="/"})';
export const diskAvailableBytes = 'sum(node_filesystem_avail_bytes{mountpoint="/"})';

/** Received plus transmitted bits per second on physical interfaces. */
export const networkBitsPerSecond = (w: Window) =>
  `8 * (sum(rate(node_network_receive_bytes_total{${PHYSICAL}}[${w}])) + ` +
  `sum(rate(node_network_transmit_bytes_total{${PHYSICAL}}[${w}])))`;

/** The services whose health vm-health reports, by field name. */
export const HEALTH_JOBS = {
  auth_service_status: JOBS.auth,
  user_service_status: JOBS.user,
  gateway_status: JOBS.gateway,
  prometheus_status: JOBS.prometheus,
  social_log_service_status: JOBS.socialLog,
} as const;

/** 1 when at least one instance of the job answered its last scrape, 0 when none did. */
export const upByJob = `max by (job) (up{job=~"${Object.values(HEALTH_JOBS).join('|')}"})`;

/** The services whose API latency vm-health reports, by field name. */
export const LATENCY_JOBS = {
  auth_service_ms: JOBS.auth,
  user_service_ms: JOBS.user,
  gateway_ms: JOBS.gateway,
  social_log_service_ms: JOBS.socialLog,
} as const;

/** p95 request duration per job in seconds, over all its API routes and instances. */
export const p95SecondsByJob = (w: Window) =>
  `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{` +
  `job=~"${Object.values(LATENCY_JOBS).join('|')}",${NOT_API}}[${w}])))`;

// ------------------------------------------------------------------------------------------
// security
// ------------------------------------------------------------------------------------------

/** Access tokens the gateway verified in the last 24 h, by outcome (`success` or `failed`). */
export const jwtValidations24h = (status: 'success' | 'failed') =>
  zeroWhenScraped(`sum(increase(jwt_validation_total{status="${status}"}[24h]))`, JOBS.gateway);

/** Accounts not deleted, as user-service's gauge reports them (every replica reports all). */
export const activeUsers = `max(active_users_total{job="${JOBS.user}"})`;

// ------------------------------------------------------------------------------------------
// insights
// ------------------------------------------------------------------------------------------

/** Share of QR scans in the last 24 h that checked someone in, 0-100; NaN without scans. */
export const scanSuccessPercent =
  `100 * (sum(increase(qr_scans_total{status="success"}[24h])) or on() vector(0)) / ` +
  `sum(increase(qr_scans_total[24h]))`;

const SCAN = `job="${JOBS.user}",method="POST",endpoint="/qr/scan"`;

/** Mean time user-service took to answer POST /qr/scan in the last 24 h, in ms. */
export const averageScanMs =
  `1000 * sum(increase(http_request_duration_seconds_sum{${SCAN}}[24h])) / ` +
  `sum(increase(http_request_duration_seconds_count{${SCAN}}[24h]))`;

const API = `job=~"${SERVICES}",${NOT_API}`;

export const totalRequests24h = zeroWhenScraped(
  `sum(increase(http_requests_total{${API}}[24h]))`,
  SERVICES,
);

export const requestsByJob24h = `sum by (job) (increase(http_requests_total{${API}}[24h]))`;

export const topEndpoints24h = (limit: number) =>
  `topk(${limit}, sum by (job, method, endpoint) (increase(http_requests_total{${API}}[24h])))`;

export const requestsByEndpoint24h = `sum by (job, endpoint) (increase(http_requests_total{${API}}[24h]))`;

export const serverErrorsByEndpoint24h = `sum by (job, endpoint) (increase(http_requests_total{${API},status_code=~"5.."}[24h]))`;

export const averageMsByJob24h =
  `1000 * sum by (job) (increase(http_request_duration_seconds_sum{${API}}[24h])) / ` +
  `sum by (job) (increase(http_request_duration_seconds_count{${API}}[24h]))`;

export const p95MsByJob24h =
  `1000 * histogram_quantile(0.95, sum by (job, le) ` +
  `(increase(http_request_duration_seconds_bucket{${API}}[24h])))`;
