import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseUserId } from '../../domain/admin.js';
import type { AuthDeps } from '../../domain/deps.js';
import { endAllSessionsOf } from '../../domain/devices.js';
import { requestContext } from '../../domain/request-context.js';
import { MESSAGES } from '../../messages.js';
import { responses } from '../../schemas/common.js';

export const adminSessionRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  app.delete(
    '/admin/users/:id/sessions',
    {
      preHandler: [app.authenticate, app.requireAdmin],
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'End every session of an account; the gateway refuses its tokens within seconds',
        operationId: 'endAccountSessions',
        description:
          "Signs an account out everywhere (the admin's own included, when it is the admin's account): every refresh token stops working at once and every access token at the gateway within its revocation bound. Admin role required.",
        params: Type.Object({ id: Type.String({ description: 'a positive integer' }) }),
        response: responses(
          {
            200: Type.Object({
              message: Type.String(),
              code: Type.String(),
              sessions_revoked: Type.Integer(),
            }),
          },
          [400, 401, 403, 404, 503],
        ),
      },
    },
    async (request) => {
      const id = parseUserId(request.params.id);
      const revoked = await endAllSessionsOf(deps, requestContext(request), request.user, id);
      return { ...MESSAGES.sessionsEnded, sessions_revoked: revoked };
    },
  );
};
