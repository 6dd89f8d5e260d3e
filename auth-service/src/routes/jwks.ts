import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SigningKeys } from '../domain/signing-keys.js';

const Jwk = Type.Object(
  {
    kty: Type.Union([Type.Literal('OKP'), Type.Literal('EC')]),
    crv: Type.Union([Type.Literal('Ed25519'), Type.Literal('P-256')]),
    x: Type.String(),
    y: Type.Optional(Type.String({ description: 'P-256 keys only' })),
    kid: Type.String(),
    alg: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')]),
    use: Type.Literal('sig'),
  },
  { description: 'A public key access tokens are signed with (RFC 7517)' },
);

const JwkSetSchema = Type.Object({ keys: Type.Array(Jwk) });

// Verifiers read the set again every few minutes; a short public cache is harmless, and a
// rotation publishes a key long before it signs anything (docs/security.md#rotation).
const CACHE_CONTROL = 'public, max-age=60';

/**
 * GET /.well-known/jwks.json: the public keys of access tokens (the signing key, the next one
 * and those still retiring), for the gateway, the services and any client that wants to check
 * a token itself. Public: it holds no secret.
 */
export const jwksRoutes: FastifyPluginAsyncTypebox<{ keys: SigningKeys }> = async (
  app,
  { keys },
) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['sessions'],
        summary: 'The public keys of access tokens',
        operationId: 'getJwks',
        description:
          'The JSON Web Key Set access tokens are verified with: each token names its key in ' +
          'the `kid` of its header. Keys are published before they sign and stay until the ' +
          'last token they signed has expired.',
        response: { 200: JwkSetSchema },
      },
    },
    async (_request, reply) => reply.header('cache-control', CACHE_CONTROL).send(keys.published),
  );
};
