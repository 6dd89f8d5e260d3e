import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@cloud-backend/shared/dev';
import { waitForHttp } from '@cloud-backend/shared/testing';

export interface Target {
  instance: string;
  health: string;
  job: string;
}

export interface RunningPrometheus {
  url: string;
  /** The value of an instant query's single result, or undefined when it has none. */
  value(query: string): Promise<number | undefined>;
  /** Every instant query result, with its labels. */
  vector(query: string): Promise<{ labels: Record<string, string>; value: number }[]>;
  targets(): Promise<Target[]>;
  stop(): Promise<void>;
}

/**
 * Debian's prometheus (scripts/system-tools.sh), scraping every second. Each job finds its
 * instances in a file (file-based discovery): the jobs and their `host:port`s.
 */
export async function startPrometheus(jobs: Record<string, string[]>): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-replicas-prometheus-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const scrapeConfigs = Object.entries(jobs).map(([job, targets]) => {
    const file = join(dir, `${job}.json`);
    writeFileSync(file, JSON.stringify([{ targets }]));
    return `  - job_name: ${job}\n    file_sd_configs:\n      - files: ['${file}']\n        refresh_interval: 1s\n`;
  });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${scrapeConfigs.join('')}`,
  );
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${String(port)}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/-/ready`, 60_000);
  } catch (err) {
    await stop();
    throw new Error(`prometheus did not start: ${String(err)}\n${output}`);
  }
  const vector = async (query: string) => {
    const reply = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await reply.json()) as {
      status: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`${query}: ${JSON.stringify(body)}`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    vector,
    async value(query) {
      const result = await vector(query);
      if (result.length > 1) throw new Error(`${query}: ${String(result.length)} results`);
      return result[0]?.value;
    },
    async targets() {
      const reply = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await reply.json()) as {
        data: {
          activeTargets: { labels: { instance: string; job: string }; health: string }[];
        };
      };
      return body.data.activeTargets.map((t) => ({
        instance: t.labels.instance,
        job: t.labels.job,
        health: t.health,
      }));
    },
    stop,
  };
}
