import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  get,
  imageEnvironment,
  renderSite,
  startNginx,
  stopNginx,
  writeTrustedLoadBalancers,
  type Site,
  checkSite,
} from './nginx-site.js';
import { readRepoFile, repoPath, run, requireTool } from './support.js';

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
      const result = checkSite(site);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toContain('test is successful');
    } finally {
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  it('trusts no load balancer unless TRUSTED_LOAD_BALANCERS names them, and refuses junk in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-realip-'));
    try {
      const conf = join(dir, 'trusted-load-balancers.conf');
      expect(writeTrustedLoadBalancers(dir, '').status).toBe(0);
      expect(readFileSync(conf, 'utf8')).not.toMatch(/^\s*[a-z_]+\s/m);
      const named = writeTrustedLoadBalancers(dir, '10.0.0.0/8, 192.0.2.10 ,fd00::/8');
      expect(named.status, named.output).toBe(0);
      expect(named.stdout).toBe('nginx: trusted load balancers: 10.0.0.0/8 192.0.2.10 fd00::/8\n');
      expect(
        readFileSync(conf, 'utf8')
          .split('\n')
          .filter((line) => line && !line.startsWith('#')),
      ).toEqual([
        'set_real_ip_from 10.0.0.0/8;',
        'set_real_ip_from 192.0.2.10;',
        'set_real_ip_from fd00::/8;',
        'real_ip_header X-Forwarded-For;',
        'real_ip_recursive on;',
      ]);
      for (const junk of ['10.0.0.0/8;include /etc/passwd', '*', 'lb.example.com']) {
        const refused = writeTrustedLoadBalancers(dir, junk);
        expect(refused.status, junk).toBe(1);
        expect(refused.stderr.trim().split('\n'), junk).toEqual([
          expect.stringMatching(
            /^nginx: TRUSTED_LOAD_BALANCERS: ".*" is not an IP address or CIDR/,
          ),
        ]);
      }
      // A refused value leaves the last good file, never half a file.
      expect(readFileSync(conf, 'utf8')).toContain('set_real_ip_from 192.0.2.10;');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes nginx -t with trusted load balancers', async () => {
    requireTool('nginx', 'nginx-light');
    const site = await renderSite('gateway:3000', '/usr/share/nginx/html', '10.0.0.0/8,fd00::/8');
    try {
      const result = checkSite(site);
      expect(result.status, result.output).toBe(0);
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
    nginx = await startNginx(site);
  });

  afterAll(async () => {
    await stopNginx(nginx);
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
