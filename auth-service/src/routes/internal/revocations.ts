import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireInternalToken } from '@cloud-backend/shared';
import { Type } from 'typebox';
import type { AuthDeps } from '../../domain/deps.js';
import { revocationsSince } from '../../repositories/revocations.js';
import { responses, Timestamp } from '../../schemas/common.js';

const Revocation = Type.Object({
  id: Type.String({ description: 'feed position (a bigint, as text)' }),
  session_id: Type.String({ format: 'uuid', description: "the access tokens' sid claim" }),
  user_id: Type.Integer(),
  reason: Type.String(),
  revoked_at: Timestamp,
  expires_at: Timestamp,
});

const Feed = Type.Object({
  revocations: Type.Array(Revocation),
  cursor: Type.String({ description: 'pass as `since` next time' }),
  has_more: Type.Boolean({ description: 'true: ask again at once' }),
});

export interface RevocationRouteOptions extends AuthDeps {
  internalToken: string | undefined;
}

/**
 * The revocation feed the gateway polls (docs/revocation.md): sessions ended by logout, password
 * change, role change, deletion or refresh-token reuse, after a cursor. Service credential only.
 */
export const revocationRoutes: FastifyPluginAsyncTypebox<RevocationRouteOptions> = async (
  app,
  options,
) => {
  app.get(
    '/internal/revocations',
    {
      preHandler: requireInternalToken(options.internalToken),
      schema: {
        tags: ['internal'],
        security: [{ serviceToken: [] }],
        summary: 'Revoked sessions whose access tokens may still be alive, after a cursor',
        operationId: 'listRevocations',
        description:
          'The revocation feed the gateway reads: sessions revoked after a cursor whose access tokens have not yet expired. Service to service, with INTERNAL_API_TOKEN.',
        querystring: Type.Object({
          since: Type.String({ pattern: '^\\d{1,18}$', default: '0' }),
          limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
        }),
        response: responses({ 200: Feed }, [400, 401, 503]),
      },
    },
    async (request) => {
      const { since, limit } = request.query;
      const rows = await revocationsSince(options.pool, since, limit);
      return {
        revocations: rows.map((row) => ({
          id: row.id,
          session_id: row.session_id,
          user_id: row.user_id,
          reason: row.reason,
          revoked_at: row.revoked_at.toISOString(),
          expires_at: row.relevant_until.toISOString(),
        })),
        cursor: rows.at(-1)?.id ?? since,
        has_more: rows.length === limit,
      };
    },
  );
};
