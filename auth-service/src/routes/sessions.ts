import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthDeps } from '../domain/deps.js';
import { logoutScope } from '../domain/devices.js';
import { requestContext } from '../domain/request-context.js';
import { logout, refresh } from '../domain/sessions.js';
import { ERRORS, MESSAGES } from '../messages.js';
import { bodyOptional, responses, SessionReplySchema, text } from '../schemas/common.js';

const LogoutReply = Type.Object({
  message: Type.String(),
  code: Type.String(),
  sessions_revoked: Type.Optional(
    Type.Integer({ description: 'with a scope only: how many sessions ended' }),
  ),
});
const LogoutBody = Type.Object({
  scope: Type.Optional(
    Type.Union([Type.Literal('others'), Type.Literal('global')], {
      description: 'others: every other session of the account; global: all, this one too',
    }),
  ),
});

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
      preValidation: bodyOptional,
      schema: {
        tags: ['sessions'],
        summary: "End the access token's session; the gateway refuses it within seconds",
        operationId: 'logout',
        description:
          'Revokes the session of the access token presented: its refresh token stops working at once, and the gateway refuses its access token within seconds. ' +
          'Without a body, exactly that (as the original). With {"scope":"others"} every other session of the account ends and this one stays; with {"scope":"global"} every session ends, this one too.',
        security: [{ bearerAuth: [] }],
        body: LogoutBody,
        response: responses({ 200: LogoutReply }, [400, 401, 413, 415, 503]),
      },
    },
    async (request) => {
      const scope = request.body.scope;
      const context = requestContext(request);
      if (scope === undefined) {
        await logout(deps, context, request.user);
        return MESSAGES.loggedOut;
      }
      const revoked = await logoutScope(deps, context, request.user, scope);
      return { ...MESSAGES.loggedOut, sessions_revoked: revoked };
    },
  );
};
