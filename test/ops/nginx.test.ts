import { spawn, type ChildProcess } from 'node:child_process';
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
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloud-backend/shared/dev';
import { readRepoFile, repoPath, run, requireTool } from './support.js';

// The image's defaults for the template variables, from nginx/Dockerfile's ENV.
function imageEnvironment(): Record<string, string> {
  const dockerfile = readRepoFile('nginx/Dockerfile');
  const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? '';
  const env: Record<string, string> = {};
  for (const match of block.matchAll(/([A-Z_]+)=(\S+)/g)) env[match[1] ?? ''] = match[2] ?? '';
  return env;
}

/** What the images' entrypoints do: substitute the defined variables, ${VAR} and $VAR. */
function render(template: string, env: Record<string, string>): string {
  let out = template;
  for (const [name, value] of Object.entries(env)) {
    out = out.replaceAll(`\${${name}}`, value).replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  }
  return out;
}

function nginxVersion(): [number, number, number] {
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(run('nginx', ['-v']).output);
  return [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
}

interface Site {
  dir: string;
  config: string;
  httpPort: number;
  httpsPort: number;
}

/**
 * A copy of the image's configuration that runs on the host: the templates rendered with the
 * image's defaults, the gateway at `gateway`, loopback ports instead of 80/443, and paths in
 * a temporary folder. Nothing else changes.
 */
async function renderSite(gateway: string, html: string): Promise<Site> {
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
    let text = render(readRepoFile(`nginx/templates/${name}`), env);
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

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Reply> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: options.method ?? 'GET', headers: options.headers, rejectUnauthorized: false },
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

describe('nginx configuration', () => {
  it('every variable of the templates has a default in the image', () => {
    const env = imageEnvironment();
    for (const name of readdirSync(repoPath('nginx/templates'))) {
      for (const match of readRepoFile(`nginx/templates/${name}`).matchAll(/\$\{([A-Z_]+)\}/g)) {
        expect(env, `${name} uses ${match[1] ?? ''}`).toHaveProperty(match[1] ?? '');
      }
    }
  });

  it('passes nginx -t', async () => {
    requireTool('nginx', 'nginx-light');
    const site = await renderSite('gateway:3000', '/usr/share/nginx/html');
    try {
      const result = run('nginx', [
        '-t',
        '-c',
        site.config,
        '-p',
        site.dir,
        '-e',
        join(site.dir, 'error.log'),
      ]);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toContain('test is successful');
    } finally {
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  it('refuses to start in production without a certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-certs-'));
    try {
      const result = run('sh', [repoPath('nginx/tls-entrypoint.sh'), 'true'], {
        env: { ...process.env, TLS_CERT_DIR: dir, TLS_SELF_SIGNED: '0', NGINX_ENTRYPOINT: 'env' },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('no certificate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nginx in front of a gateway', () => {
  let site: Site;
  let nginx: ChildProcess | undefined;
  let gateway: Server;
  let html: string;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    requireTool('nginx', 'nginx-light');
    requireTool('openssl', 'openssl');
    gateway = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'strict-transport-security': 'max-age=1',
        });
        res.end(JSON.stringify({ path: req.url, padding: 'x'.repeat(2000) }));
      });
    });
    gateway.listen(0, '127.0.0.1');
    await once(gateway, 'listening');
    const address = gateway.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    html = mkdtempSync(join(tmpdir(), 'cb-html-'));
    chmodSync(html, 0o755);
    mkdirSync(join(html, 'assets'));
    writeFileSync(join(html, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(html, 'assets', 'app-1234.js'), 'console.log(1);\n'.repeat(100));
    site = await renderSite(`127.0.0.1:${port}`, html);
    nginx = spawn(
      'nginx',
      ['-c', site.config, '-p', site.dir, '-e', join(site.dir, 'error.log'), '-g', 'daemon off;'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 50; i++) {
      const up = await get(`http://127.0.0.1:${site.httpPort}/nginx-health`).catch(() => undefined);
      if (up?.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`nginx did not start: ${readFileSync(join(site.dir, 'error.log'), 'utf8')}`);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit');
    }
    gateway.close();
    rmSync(site.dir, { recursive: true, force: true });
    rmSync(html, { recursive: true, force: true });
  });

  const https = (path: string) => `https://127.0.0.1:${site.httpsPort}${path}`;

  it('redirects HTTP to HTTPS, keeping the path and query', async () => {
    const reply = await get(`http://127.0.0.1:${site.httpPort}/user/profile?x=1`, {
      headers: { host: 'localhost' },
    });
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe(`https://localhost:${site.httpsPort}/user/profile?x=1`);
  });

  it('proxies the gateway paths unchanged, with the forwarding headers and HSTS', async () => {
    for (const path of [
      '/auth/login',
      '/login',
      '/user/qr/scan?a=1',
      '/admin/users',
      '/dashboard/x',
      '/monitoring/api/v1/query',
      '/api/social/log',
      '/health',
      '/openapi.json',
      '/docs/',
      '/docs/static/swagger-ui-bundle.js',
    ]) {
      seen.length = 0;
      const reply = await get(https(path), {
        headers: { 'x-forwarded-for': '6.6.6.6', 'accept-encoding': 'gzip' },
      });
      expect(reply.status, path).toBe(200);
      expect((JSON.parse(reply.body) as { path: string }).path, path).toBe(path);
      // One HSTS header, nginx's (the upstream's is replaced).
      expect(reply.headers['strict-transport-security'], path).toBe('max-age=63072000');
      expect(reply.headers['content-encoding'], path).toBe('gzip');
      const upstream = seen[0]?.headers;
      // A client's own X-Forwarded-For never reaches the gateway: nginx states what it saw.
      expect(upstream?.['x-forwarded-for'], path).toBe('127.0.0.1');
      expect(upstream?.['x-forwarded-proto'], path).toBe('https');
      expect(upstream?.['x-request-id'], path).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('passes a client X-Request-ID through when it looks like an id', async () => {
    seen.length = 0;
    await get(https('/auth/login'), { headers: { 'x-request-id': 'abc-123' } });
    expect(seen[0]?.headers['x-request-id']).toBe('abc-123');
    seen.length = 0;
    await get(https('/auth/login'), { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(seen[0]?.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never exposes /metrics or /internal, directly or through a prefix', async () => {
    seen.length = 0;
    for (const path of [
      '/metrics',
      '/metrics/',
      '/auth/metrics',
      '/user/metrics',
      '/dashboard/metrics',
      '/monitoring/metrics',
      '/auth/internal/revocations?since=0',
      '/internal/audit/events',
      '/auth/%6Detrics',
    ]) {
      const reply = await get(https(path));
      expect(reply.status, path).toBe(404);
      expect(JSON.parse(reply.body), path).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    }
    expect(seen).toEqual([]);
  });

  it('refuses bodies over 1 MiB with a JSON 413', async () => {
    const reply = await get(https('/api/social/log'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(1024 * 1024 + 1, 'a'),
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toEqual({
      error: 'Request body is too large',
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('serves the frontend with caching, and index.html for the app routes', async () => {
    const asset = await get(https('/assets/app-1234.js'), {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    const page = await get(https('/events/today'));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>app</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['strict-transport-security']).toBe('max-age=63072000');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(https('/assets/missing.js'))).status).toBe(404);
  });

  it('answers JSON 502 when the gateway is down', async () => {
    const closed = new Promise<void>((resolve) => gateway.close(() => resolve()));
    gateway.closeAllConnections();
    await closed;
    const reply = await get(https('/auth/login'));
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.body)).toEqual({
      error: 'The API is unavailable',
      code: 'UPSTREAM_UNAVAILABLE',
    });
  });
});
