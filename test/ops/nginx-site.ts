import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { imageEnvironment, renderTemplate } from '../../bench/lib/nginx.js';
import { readRepoFile, repoPath, run } from './support.js';

export { imageEnvironment };

function nginxVersion(): [number, number, number] {
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(run('nginx', ['-v']).output);
  return [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
}

export interface Site {
  dir: string;
  config: string;
  httpPort: number;
  httpsPort: number;
}

/** nginx/trusted-load-balancers.sh, as the image's entrypoint runs it, writing into `confDir`. */
export function writeTrustedLoadBalancers(confDir: string, value: string) {
  return run('sh', [repoPath('nginx/trusted-load-balancers.sh')], {
    env: { ...process.env, NGINX_ENVSUBST_OUTPUT_DIR: confDir, TRUSTED_LOAD_BALANCERS: value },
  });
}

/**
 * A copy of the image's configuration that runs on the host: the templates rendered with the
 * image's defaults, the gateway at `gateway`, loopback ports instead of 80/443, and paths in
 * a temporary folder. Nothing else changes. `trustedLoadBalancers` is the container's
 * TRUSTED_LOAD_BALANCERS (empty by default, as in the image).
 */
export async function renderSite(
  gateway: string,
  html: string,
  trustedLoadBalancers = '',
): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-nginx-'));
  chmodSync(dir, 0o755);
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const certs = join(dir, 'certs');
  const env = {
    ...imageEnvironment(),
    GATEWAY_UPSTREAM: gateway,
    PUBLIC_HTTPS_PORT: String(httpsPort),
    TLS_CERT_DIR: certs,
  };
  const [major, minor, patch] = nginxVersion();
  // `http2 on;` needs nginx 1.25.1 (the images have 1.26 and 1.28); older hosts get the
  // listen parameter that means the same.
  const oldHttp2 = major === 1 && (minor < 25 || (minor === 25 && patch < 1));

  mkdirSync(join(dir, 'conf.d'));
  for (const name of readdirSync(repoPath('nginx/templates'))) {
    let text = renderTemplate(readRepoFile(`nginx/templates/${name}`), env);
    text = text
      .replace(/listen 80 default_server;/, `listen 127.0.0.1:${httpPort} default_server;`)
      .replace(
        /listen 443 ssl default_server;/,
        `listen 127.0.0.1:${httpsPort} ssl default_server;`,
      )
      .replace('root /usr/share/nginx/html;', `root ${html};`);
    if (oldHttp2) {
      text = text
        .replace(/\n\s*http2 on;/, '')
        .replace(' ssl default_server;', ' ssl http2 default_server;');
    }
    writeFileSync(join(dir, 'conf.d', name.replace(/\.template$/, '')), text);
  }
  const trusted = writeTrustedLoadBalancers(join(dir, 'conf.d'), trustedLoadBalancers);
  expect(trusted.status, trusted.output).toBe(0);
  const main = readRepoFile('nginx/nginx.conf')
    .replace(/^user nginx;\n/m, '')
    .replace('pid /var/run/nginx.pid;', `pid ${dir}/nginx.pid;`)
    .replace('/var/log/nginx/error.log', `${dir}/error.log`)
    .replace('/var/log/nginx/access.log', `${dir}/access.log`);
  writeFileSync(join(dir, 'nginx.conf'), main);
  writeFileSync(join(dir, 'mime.types'), readFileSync('/etc/nginx/mime.types'));

  // The development certificate, made by the image's own entrypoint script.
  const made = run('sh', [repoPath('nginx/tls-entrypoint.sh'), 'true'], {
    env: { ...process.env, TLS_CERT_DIR: certs, TLS_SELF_SIGNED: '1', NGINX_ENTRYPOINT: 'env' },
  });
  expect(made.status, made.output).toBe(0);
  return { dir, config: join(dir, 'nginx.conf'), httpPort, httpsPort };
}

/** `nginx -t` on a rendered site: whether nginx accepts the configuration as it stands. */
export function checkSite(site: Site) {
  return run('nginx', ['-t', '-c', site.config, '-p', site.dir, '-e', join(site.dir, 'error.log')]);
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function get(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    /** The address the request comes from (any of 127.0.0.0/8 reaches a loopback listener). */
    localAddress?: string;
  } = {},
): Promise<Reply> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        rejectUnauthorized: false,
        ...(options.localAddress ? { localAddress: options.localAddress, agent: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let body = Buffer.concat(chunks);
          if (res.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: body.toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Starts nginx on a rendered site and waits until it answers. */
export async function startNginx(site: Site): Promise<ChildProcess> {
  const nginx = spawn(
    'nginx',
    ['-c', site.config, '-p', site.dir, '-e', join(site.dir, 'error.log'), '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const up = await get(`http://127.0.0.1:${site.httpPort}/nginx-health`).catch(() => undefined);
    if (up?.status === 200) return nginx;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopNginx(nginx);
  throw new Error(`nginx did not start: ${readFileSync(join(site.dir, 'error.log'), 'utf8')}`);
}

export async function stopNginx(nginx: ChildProcess | undefined): Promise<void> {
  if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
    nginx.kill('SIGTERM');
    await once(nginx, 'exit');
  }
}
