import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { gatewayProxy } from '../../vite.config.js';
import { freePort } from './stack.js';

const CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

export interface WebServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Builds the app as `npm run build -w frontend` does (into a temporary folder, so the test
 * never serves a stale dist/) and serves it with `vite preview`: the static files, the
 * gateway's Content-Security-Policy, and the API paths forwarded to the gateway, so the page
 * calls its own origin as it does behind nginx or the gateway.
 */
export async function serveApp(gatewayUrl: string): Promise<WebServer> {
  const outDir = await mkdtemp(join(tmpdir(), 'cloud-backend-frontend-dist-'));
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const port = await freePort();
  const server = await preview({
    configFile: CONFIG,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true, proxy: gatewayProxy(gatewayUrl) },
  });
  return {
    url: `http://127.0.0.1:${String(port)}`,
    stop: async () => {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
