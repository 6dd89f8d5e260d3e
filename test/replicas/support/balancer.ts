import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForHttp } from '@cloud-backend/shared/testing';

export interface Balancer {
  /** http://127.0.0.1:port of each pool, by name. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * What a Kubernetes Service or Docker's DNS is to the gateway in production: one address per
 * service in front of its replicas. Here an nginx (plain HTTP, round robin, keep-alive) with a
 * server per pool; a replica that refuses connections (killed) is skipped, as a Service drops
 * an endpoint, and requests already sent to it fail.
 */
export async function startBalancer(
  pools: Record<string, { port: number; members: string[] }>,
): Promise<Balancer> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-replicas-balancer-'));
  // nginx's workers run as nobody when the test runs as root.
  chmodSync(dir, 0o755);
  const urls: Record<string, string> = {};
  const blocks: string[] = [];
  for (const [name, { port, members }] of Object.entries(pools)) {
    urls[name] = `http://127.0.0.1:${String(port)}`;
    blocks.push(
      `upstream ${name} {\n${members.map((m) => `  server ${m} max_fails=1 fail_timeout=2s;\n`).join('')}  keepalive 32;\n}\n` +
        `server {\n  listen 127.0.0.1:${String(port)};\n  location = /balancer-health { return 200; }\n` +
        `  location / {\n    proxy_pass http://${name};\n    proxy_http_version 1.1;\n` +
        '    proxy_set_header Connection "";\n    proxy_next_upstream error timeout;\n' +
        '    client_max_body_size 10m;\n  }\n}\n',
    );
  }
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n` +
      'events { worker_connections 1024; }\n' +
      `http {\n  access_log off;\n${blocks.join('')}}\n`,
  );
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGQUIT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const url of Object.values(urls)) await waitForHttp(`${url}/balancer-health`, 10_000);
  } catch (err) {
    let log = output;
    try {
      log += readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      // not written
    }
    await stop();
    throw new Error(`the balancer nginx did not start: ${String(err)}\n${log}`);
  }
  return { urls, stop };
}
