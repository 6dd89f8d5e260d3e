/**
 * The floor of what a Node proxy hop costs (bench/gateway.ts): Fastify, @fastify/jwt and
 * @fastify/http-proxy on its default undici pool, nothing else: no logging, metrics, CORS,
 * helmet, rate limit or revocation check. It verifies the access token with the key auth-service
 * publishes (read once from JWKS_URL at start, the algorithm of that key, exp required) and
 * forwards /user/* to UPSTREAM_URL with the prefix stripped, as the gateway does.
 *
 *   PORT=… JWKS_URL=http://127.0.0.1:3001/.well-known/jwks.json UPSTREAM_URL=http://127.0.0.1:3002 \
 *     node --import tsx bench/lib/bare-proxy.ts
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import httpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const { PORT, JWKS_URL, UPSTREAM_URL } = process.env;
if (!PORT || !JWKS_URL || !UPSTREAM_URL) {
  throw new Error('bare-proxy: PORT, JWKS_URL and UPSTREAM_URL are required');
}

// The active key only: the floor of a hop, with no key set cache or refetch.
const { keys } = (await (await fetch(JWKS_URL)).json()) as {
  keys: (JsonWebKey & { alg: 'EdDSA' | 'ES256' })[];
};
const [key] = keys;
if (!key) throw new Error(`bare-proxy: ${JWKS_URL} publishes no key`);
const publicPem = createPublicKey({ key, format: 'jwk' })
  .export({ type: 'spki', format: 'pem' })
  .toString();

const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret: { public: publicPem },
  verify: { algorithms: [key.alg], requiredClaims: ['exp'] },
});
app.get('/health/ready', async () => ({ status: 'ready' }));
await app.register(async (scope) => {
  scope.addHook('onRequest', async (request, reply) => {
    try {
      await request.jwtVerify();
    } catch {
      await reply.code(401).send({ error: 'Unauthorized', code: 'UNAUTHORIZED' });
    }
  });
  await scope.register(httpProxy, { upstream: UPSTREAM_URL, prefix: '/user', rewritePrefix: '' });
});
await app.listen({ host: '127.0.0.1', port: Number(PORT) });

const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
