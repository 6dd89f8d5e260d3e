import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthDeps } from '../domain/deps.js';
import { requestContext } from '../domain/request-context.js';
import { logout, refresh } from '../domain/sessions.js';
import { ERRORS, MESSAGES } from '../messages.js';
import { responses, SessionReplySchema, text } from '../schemas/common.js';

const Message = Type.Object({ message: Type.String(), code: Type.String() });

export const sessionRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  app.post(
    '/refresh',
    {
      config: { invalidPayload: ERRORS.invalidPayload },
      schema: {
        tags: ['sessions'],
        summary: 'Exchange a refresh token for new tokens (each refresh token works once)',
        operationId: 'refreshSession',
        description:
          'A refresh token presented a second time revokes its whole session ' +
          '(401 REFRESH_TOKEN_REUSED): someone else has a copy.',
        body: Type.Object({ refresh_token: text(200) }),
        response: responses({ 200: SessionReplySchema }, [400, 401, 413, 503]),
      },
    },
    async (request) => refresh(deps, requestContext(request), request.body.refresh_token),
  );

  app.post(
    '/logout',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['sessions'],
        summary: "End the access token's session; the gateway refuses it within seconds",
        operationId: 'logout',
        description:
          'Revokes the session of the access token presented: its refresh token stops working at once, and the gateway refuses its access token within seconds.',
        security: [{ bearerAuth: [] }],
        response: responses({ 200: Message }, [400, 401, 503]),
      },
    },
    async (request) => {
      await logout(deps, requestContext(request), request.user);
      return MESSAGES.loggedOut;
    },
  );
};
