/**
 * The floor of what a Node proxy hop costs (bench/gateway.ts): Fastify, @fastify/jwt and
 * @fastify/http-proxy on its default undici pool, nothing else: no logging, metrics, CORS,
 * helmet, rate limit or revocation check. It verifies the access token (HS256, exp required) and
 * forwards /user/* to UPSTREAM_URL with the prefix stripped, as the gateway does.
 *
 *   PORT=… JWT_SECRET=… UPSTREAM_URL=http://127.0.0.1:3002 node --import tsx bench/lib/bare-proxy.ts
 */
import fastifyJwt from '@fastify/jwt';
import httpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const { PORT, JWT_SECRET, UPSTREAM_URL } = process.env;
if (!PORT || !JWT_SECRET || !UPSTREAM_URL) {
  throw new Error('bare-proxy: PORT, JWT_SECRET and UPSTREAM_URL are required');
}

const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  secret: JWT_SECRET,
  verify: { algorithms: ['HS256'], requiredClaims: ['exp'] },
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
