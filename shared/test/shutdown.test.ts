import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/dev/index.js';
import { spawnTypeScript, waitForHttp } from '../src/testing/index.js';

const entry = fileURLToPath(new URL('./fixtures/slow-server.ts', import.meta.url));

describe.each(['SIGTERM', 'SIGINT'] as const)('graceful shutdown on %s', (signal) => {
  it('finishes in-flight requests, refuses new ones, closes and exits 0', async () => {
    const port = await freePort();
    const server = spawnTypeScript(entry, {
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, 20_000);

    const inFlight = fetch(`${base}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill(signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // On a new connection: requests on connections already open are still served (with
    // Connection: close) while the server drains them.
    const late = await new Promise<number | 'refused'>((resolve) => {
      const req = request(`${base}/health`, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve('refused'));
      req.end();
    });

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    expect(late).not.toBe(200);
    const code = await server.exited;
    if (code !== 0) console.log(server.output());
    expect(code).toBe(0);
    expect(server.output()).toContain('onClose hooks ran');
    expect(server.output()).toContain(`"signal":"${signal}"`);
  }, 30_000);
});
