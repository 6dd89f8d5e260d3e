import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { DOCUMENT_SECURITY_POLICY } from '../plugins/security-headers.js';

export interface FrontendOptions {
  /** The built web app (frontend/dist). */
  root: string;
}

/**
 * The built web app at `/` under `make dev` (in containers nginx serves it). Only the app's own
 * files get routes: a catch-all would make every unknown path a known one, and the 404 JSON
 * of an unknown API path must stay a 404.
 */
export default fp<FrontendOptions>(
  async (app, { root }) => {
    if (!existsSync(root)) {
      app.log.warn({ root }, 'FRONTEND_DIR does not exist; the web app is not served');
      return;
    }
    // Cache headers are set per route below: the plugin's own would override them.
    await app.register(fastifyStatic, { root, serve: false, cacheControl: false });
    const index = { schema: { hide: true } };
    // The web app's files carry the Content-Security-Policy that API answers go without.
    const policy = { 'content-security-policy': DOCUMENT_SECURITY_POLICY };
    for (const url of ['/', '/index.html']) {
      app.get(url, index, (_request, reply) =>
        reply.headers(policy).header('cache-control', 'no-cache').sendFile('index.html'),
      );
    }
    app.get('/favicon.svg', index, (_request, reply) =>
      reply.headers(policy).sendFile('favicon.svg'),
    );
    app.get<{ Params: { '*': string } }>('/assets/*', index, (request, reply) =>
      // Vite names assets by content hash: a name never changes meaning.
      reply
        .headers(policy)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .sendFile(`assets/${request.params['*']}`),
    );
  },
  { name: 'frontend' },
);
