import { fileURLToPath } from 'node:url';
import { preview } from 'vite';
import { gatewayProxy } from '../../vite.config.js';
import { freePort } from './stack.js';

const CONFIG = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

export interface WebServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the app built in outDir (by make dev at start, as `npm run build -w frontend` builds
 * it, into the stack's own folder, so never a stale or shared dist/) with `vite preview`: the
 * static files, the gateway's Content-Security-Policy, and the API paths forwarded to the
 * gateway, so the page calls its own origin as it does behind nginx or the gateway.
 */
export async function serveApp(gatewayUrl: string, outDir: string): Promise<WebServer> {
  const port = await freePort();
  const server = await preview({
    configFile: CONFIG,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true, proxy: gatewayProxy(gatewayUrl) },
  });
  return {
    url: `http://127.0.0.1:${String(port)}`,
    stop: () => server.close(),
  };
}
