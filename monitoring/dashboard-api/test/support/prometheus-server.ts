import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@cloud-backend/shared/dev';
import { waitForHttp } from '@cloud-backend/shared/testing';

const INSTALL_HINT =
  "the integration test needs Debian's prometheus and prometheus-node-exporter packages: " +
  'apt-get install -y prometheus prometheus-node-exporter (.ci/run installs them)';

/** Fails, naming the package to install, when a binary is missing: never a silent skip. */
export function requireBinary(name: string): void {
  const probe = spawnSync(name, ['--version'], { stdio: 'ignore' });
  if (probe.error) throw new Error(`${name} not found (${probe.error.message}); ${INSTALL_HINT}`);
}

export interface RunningProcess {
  output: () => string;
  stop: () => Promise<void>;
}

function start(command: string, args: string[]): RunningProcess & { child: ChildProcess } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit');
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** node-exporter on a free loopback port, with only the collectors vm-health reads. */
export async function startNodeExporter(): Promise<RunningProcess & { target: string }> {
  requireBinary('prometheus-node-exporter');
  const port = await freePort();
  const target = `127.0.0.1:${String(port)}`;
  const proc = start('prometheus-node-exporter', [
    `--web.listen-address=${target}`,
    '--collector.disable-defaults',
    '--collector.cpu',
    '--collector.meminfo',
    '--collector.filesystem',
    '--collector.netdev',
    // The default also excludes overlay, which is "/" inside many containers (CI's included).
    '--collector.filesystem.fs-types-exclude=^(autofs|binfmt_misc|bpf|cgroup2?|configfs|' +
      'debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|proc|procfs|pstore|' +
      'rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|tmpfs)$',
  ]);
  try {
    await waitForHttp(`http://${target}/metrics`, 15_000);
  } catch (err) {
    await proc.stop();
    throw new Error(`node-exporter did not start: ${proc.output()}`, { cause: err });
  }
  return { ...proc, target };
}

export interface PrometheusServer extends RunningProcess {
  url: string;
}

/**
 * Debian's Prometheus on a free loopback port with a temporary data directory, scraping each
 * job's targets every second. Stopping it removes the directory.
 */
export async function startPrometheus(jobs: Record<string, string>): Promise<PrometheusServer> {
  requireBinary('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'dashboard-prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
    scrape_configs: Object.entries({ prometheus: `127.0.0.1:${String(port)}`, ...jobs }).map(
      ([job, target]) => ({ job_name: job, static_configs: [{ targets: [target] }] }),
    ),
  };
  // JSON is YAML: no YAML library needed.
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const proc = start('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${String(port)}`,
    '--log.level=warn',
  ]);
  const stop = async () => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/-/ready`, 30_000);
  } catch (err) {
    await stop();
    throw new Error(`prometheus did not start: ${proc.output()}`, { cause: err });
  }
  return { url, output: proc.output, stop };
}

/** Instant query straight to Prometheus, as a client would check the dashboard's numbers. */
export async function promQuery(
  url: string,
  query: string,
  time?: string,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  const endpoint = new URL('/api/v1/query', url);
  endpoint.searchParams.set('query', query);
  if (time) endpoint.searchParams.set('time', String(Date.parse(time) / 1000));
  const response = await fetch(endpoint);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error ?? response.status}`);
  return body.data.result.map((r) => ({
    labels: r.metric,
    value:
      r.value[1] === '+Inf' ? Infinity : r.value[1] === '-Inf' ? -Infinity : Number(r.value[1]),
  }));
}

/** Polls a query until check() accepts its result. */
export async function waitForQuery(
  url: string,
  query: string,
  check: (samples: { labels: Record<string, string>; value: number }[]) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check(await promQuery(url, query))) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${query}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
