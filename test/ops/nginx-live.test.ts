import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, renderSite, startNginx, stopNginx, type Site } from './nginx-site.js';
import { requireTool } from './support.js';

/**
 * The live check-in stream through the image's nginx: a gateway that writes one message, then
 * waits for the test to ask for the next, proves that nginx passes each message on while the
 * stream is open (buffered, the client would see nothing until the end). The gateway here
 * sends no X-Accel-Buffering, so it is nginx's own configuration that is tested.
 */
describe('nginx in front of a live stream', () => {
  let site: Site;
  let nginx: ChildProcess | undefined;
  let gateway: Server;
  let html: string;
  const open: ServerResponse[] = [];

  beforeAll(async () => {
    requireTool('nginx', 'nginx-light');
    requireTool('openssl', 'openssl');
    gateway = createServer((req, res) => {
      req.resume();
      if (!req.url?.endsWith('/live')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\nevent: attendance\ndata: {"seq":1}\n\n');
      open.push(res);
    });
    gateway.listen(0, '127.0.0.1');
    await once(gateway, 'listening');
    const address = gateway.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    html = mkdtempSync(join(tmpdir(), 'cb-html-'));
    chmodSync(html, 0o755);
    site = await renderSite(`127.0.0.1:${port}`, html);
    nginx = await startNginx(site);
  });

  afterAll(async () => {
    for (const res of open) res.end();
    await stopNginx(nginx);
    gateway.closeAllConnections();
    gateway.close();
    rmSync(site.dir, { recursive: true, force: true });
    rmSync(html, { recursive: true, force: true });
  });

  /** Opens the stream through nginx; `next()` resolves with the text received since the last call. */
  function stream(path: string) {
    let text = '';
    let wake: (() => void) | undefined;
    const headers = new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpsRequest(
        `https://127.0.0.1:${String(site.httpsPort)}${path}`,
        {
          headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip' },
          rejectUnauthorized: false,
        },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            wake?.();
          });
          resolve({ status: res.statusCode, ...res.headers });
        },
      );
      req.on('error', reject);
      req.end();
    });
    const next = async (): Promise<string> => {
      while (!text.includes('\n\n')) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const [message = '', ...rest] = text.split('\n\n');
      text = rest.join('\n\n');
      return message;
    };
    return { headers, next };
  }

  it('passes each message on as it comes, uncompressed, while the stream stays open', async () => {
    const live = stream('/user/qr/admin/events/e-1/live');
    const headers = await live.headers;
    expect(headers.status).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['content-encoding']).toBeUndefined();
    expect(await live.next()).toBe('id: 1\nevent: attendance\ndata: {"seq":1}');

    open.at(-1)?.write('id: 2\nevent: attendance\ndata: {"seq":2}\n\n');
    expect(await live.next()).toBe('id: 2\nevent: attendance\ndata: {"seq":2}');
    expect(open.at(-1)?.writableEnded).toBe(false);
  });

  it('leaves the other API paths as they were', async () => {
    const reply = await get(`https://127.0.0.1:${String(site.httpsPort)}/user/qr/admin/events`);
    expect(reply.status).toBe(404);
  });
});
