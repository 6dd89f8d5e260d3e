import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '@cloud-backend/shared';
import { Type } from 'typebox';
import type { AuthDeps } from '../domain/deps.js';
import { requestContext } from '../domain/request-context.js';
import { changePassword } from '../domain/sessions.js';
import { publicUser } from '../domain/tokens.js';
import { ERRORS, MESSAGES } from '../messages.js';
import { findById } from '../repositories/users.js';
import { PublicUser, responses, text, Timestamp } from '../schemas/common.js';

const Profile = Type.Intersect([
  PublicUser,
  Type.Object({
    created_at: Timestamp,
    last_login: Type.Union([Timestamp, Type.Null()]),
  }),
]);

export const meRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  const bearer = [{ bearerAuth: [] }];

  app.get(
    '/protected/profile',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['accounts'],
        summary: "The email of the token's holder (the original's token check)",
        operationId: 'getTokenHolder',
        description:
          "Answers the e-mail of the signed-in account, as the original's token check did; a client uses it to learn whether its access token still works.",
        security: bearer,
        response: responses(
          { 200: Type.Object({ message: Type.String(), email: Type.String() }) },
          [400, 401, 503],
        ),
      },
    },
    async (request) => ({ message: MESSAGES.profile, email: request.user.email }),
  );

  app.get(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['accounts'],
        summary: 'The stored profile of the signed-in account',
        operationId: 'getMyAccount',
        description:
          "The account of the access token's holder as stored: e-mail, name, surname, role and dates.",
        security: bearer,
        response: responses({ 200: Profile }, [400, 401, 503]),
      },
    },
    async (request) => {
      const user = await findById(deps.pool, request.user.user_id);
      if (!user) throw new HttpError(401, ERRORS.invalidToken.code, ERRORS.invalidToken.error);
      return {
        ...publicUser(user),
        created_at: user.created_at.toISOString(),
        last_login: user.last_login?.toISOString() ?? null,
      };
    },
  );

  app.put(
    '/me/password',
    {
      preHandler: app.authenticate,
      config: { invalidPayload: ERRORS.invalidPayload },
      schema: {
        tags: ['accounts'],
        summary: 'Change the password; every other session of the account is signed out',
        operationId: 'changePassword',
        description:
          'Changes the password after checking the current one. Every other session of the account is revoked; the session that asked stays signed in. ' +
          'Wrong current passwords count as wrong logins (docs/security.md): after ' +
          'LOCKOUT_THRESHOLD from one address, 429 ACCOUNT_LOCKED with Retry-After.',
        security: bearer,
        body: Type.Object({ current_password: text(1000), new_password: text(1000) }),
        response: responses(
          {
            200: Type.Object({
              message: Type.String(),
              code: Type.String(),
              sessions_revoked: Type.Integer(),
            }),
          },
          [400, 401, 413, 429, 503],
        ),
      },
    },
    async (request) => {
      const { current_password, new_password } = request.body;
      const revoked = await changePassword(
        deps,
        requestContext(request),
        request.user,
        current_password,
        new_password,
      );
      return { ...MESSAGES.passwordChanged, sessions_revoked: revoked };
    },
  );
};
