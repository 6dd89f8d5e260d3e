import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@cloud-backend/shared/dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

export interface RunningNginx {
  /** https://127.0.0.1:port, the production TLS server block. */
  url: string;
  /** The master's pid; the workers are its children. */
  pid: number;
  /** The distinct messages of error.log's [error] and [alert] lines so far, with counts. */
  errors(): string[];
  stop(): Promise<void>;
}

/** The image's defaults for the template variables (nginx/Dockerfile's ENV); test/ops reads them too. */
export function imageEnvironment(): Record<string, string> {
  const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(read('nginx/Dockerfile'))?.[1] ?? '';
  const env: Record<string, string> = {};
  for (const match of block.matchAll(/([A-Z_]+)=(\S+)/g)) env[match[1] ?? ''] = match[2] ?? '';
  return env;
}

/** What the image's entrypoint does to a template: substitute the defined variables, ${VAR} and $VAR. */
export function renderTemplate(template: string, env: Record<string, string>): string {
  let out = template;
  for (const [name, value] of Object.entries(env)) {
    out = out.replaceAll(`\${${name}}`, value).replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  }
  return out;
}

function oldHttp2Syntax(): boolean {
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${version.stdout}${version.stderr}`);
  const [major, minor, patch] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
  return major === 1 && (minor < 25 || (minor === 25 && patch < 1));
}

async function waitForTls(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const req = request(`${url}/nginx-health`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx did not start:\n${log()}`);
}

/**
 * The production edge (nginx/nginx.conf and nginx/templates, rendered as the image does, with
 * its self-signed development certificate) on loopback ports, in front of `gateways`
 * (host:port each). Production names one gateway, resolved per request through Docker's DNS;
 * here GATEWAY_UPSTREAM names an upstream block instead, which nginx uses in place of a DNS
 * lookup: round robin over the replicas, with idle keep-alive connections to them.
 */
export async function startNginx(gateways: string[]): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-bench-nginx-'));
  chmodSync(dir, 0o755);
  const [httpPort, httpsPort] = await Promise.all([freePort(), freePort()]);
  const certs = join(dir, 'certs');
  const env = {
    ...imageEnvironment(),
    GATEWAY_UPSTREAM: 'bench_gateways',
    PUBLIC_HTTPS_PORT: String(httpsPort),
    TLS_CERT_DIR: certs,
  };
  const oldHttp2 = oldHttp2Syntax();
  mkdirSync(join(dir, 'conf.d'));
  for (const name of readdirSync(join(ROOT, 'nginx/templates'))) {
    let text = renderTemplate(read(`nginx/templates/${name}`), env)
      .replace(/listen 80 default_server;/, `listen 127.0.0.1:${String(httpPort)} default_server;`)
      .replace(
        /listen 443 ssl default_server;/,
        `listen 127.0.0.1:${String(httpsPort)} ssl default_server;`,
      )
      .replace('root /usr/share/nginx/html;', `root ${dir};`);
    if (oldHttp2) {
      text = text
        .replace(/\n\s*http2 on;/, '')
        .replace(' ssl default_server;', ' ssl http2 default_server;');
    }
    writeFileSync(join(dir, 'conf.d', name.replace(/\.template$/, '')), text);
  }
  writeFileSync(
    join(dir, 'conf.d', 'bench-upstream.conf'),
    `upstream bench_gateways {\n${gateways.map((g) => `  server ${g};\n`).join('')}` +
      '  keepalive 64;\n}\n',
  );
  writeFileSync(
    join(dir, 'nginx.conf'),
    read('nginx/nginx.conf')
      .replace(/^user nginx;\n/m, '')
      .replace('pid /var/run/nginx.pid;', `pid ${dir}/nginx.pid;`)
      .replace('/var/log/nginx/error.log', `${dir}/error.log`)
      .replace('/var/log/nginx/access.log', `${dir}/access.log`),
  );
  writeFileSync(join(dir, 'mime.types'), readFileSync('/etc/nginx/mime.types'));
  const made = spawnSync('sh', [join(ROOT, 'nginx/tls-entrypoint.sh'), 'true'], {
    encoding: 'utf8',
    env: { ...process.env, TLS_CERT_DIR: certs, TLS_SELF_SIGNED: '1', NGINX_ENTRYPOINT: 'env' },
  });
  if (made.status !== 0) throw new Error(`certificate: ${made.stderr}`);

  const child: ChildProcess = spawn(
    'nginx',
    ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `https://127.0.0.1:${String(httpsPort)}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGQUIT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForTls(url, () => {
      try {
        return output + readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return output;
      }
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const errors = () => {
    const counts = new Map<string, number>();
    let log = '';
    try {
      log = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      // not written yet
    }
    for (const line of log.split('\n')) {
      // "2024/06/11 10:00:00 [alert] 123#123: *45 message, client: …": the message only.
      const match = /\[(error|alert|crit|emerg)\] \d+#\d+: (?:\*\d+ )?([^,]*)/.exec(line);
      if (match) counts.set(match[2] ?? '', (counts.get(match[2] ?? '') ?? 0) + 1);
    }
    return [...counts].map(([message, count]) => `${String(count)}× ${message}`);
  };
  return { url, pid: child.pid ?? 0, errors, stop };
}
