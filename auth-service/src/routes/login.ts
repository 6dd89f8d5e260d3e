import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthDeps } from '../domain/deps.js';
import { login } from '../domain/login.js';
import { requestContext } from '../domain/request-context.js';
import { ERRORS } from '../messages.js';
import { responses, SessionReplySchema, text } from '../schemas/common.js';
import { MfaRequiredSchema } from './mfa.js';

const LoginBody = Type.Object(
  {
    email: Type.Optional(text(1000, 'the identifier, preferred when not empty')),
    username: Type.Optional(text(1000, 'the identifier when email is empty')),
    password: Type.Optional(text(1000)),
  },
  { examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] },
);

export const loginRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  app.post(
    '/login',
    {
      config: { invalidPayload: ERRORS.invalidPayload },
      schema: {
        tags: ['sessions'],
        summary: 'Check credentials; open a session with an access and a refresh token',
        operationId: 'login',
        description:
          'After LOCKOUT_THRESHOLD wrong passwords for one account from one client address ' +
          'within LOCKOUT_MINUTES, that address is refused for that account with 429 ' +
          'ACCOUNT_LOCKED and Retry-After; after ADDRESS_FAILURE_LIMIT from one address, for ' +
          'any account, 429 LOGIN_RATE_LIMITED. An unknown identifier is answered as a known ' +
          'one (docs/security.md). An account with an authenticator app gets 401 MFA_REQUIRED ' +
          'with an mfa_token for POST /login/mfa; with ADMIN_MFA_REQUIRED, an admin without ' +
          'one gets 403 MFA_ENROLMENT_REQUIRED with an enrolment_token.',
        body: LoginBody,
        response: responses(
          { 200: SessionReplySchema, 401: MfaRequiredSchema, 403: MfaRequiredSchema },
          [400, 413, 429, 500, 503],
        ),
      },
    },
    async (request) => login(deps, requestContext(request), request.body),
  );
};
