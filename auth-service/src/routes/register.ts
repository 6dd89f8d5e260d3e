import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { register } from '../domain/register.js';
import type { AuthDeps } from '../domain/deps.js';
import { requestContext } from '../domain/request-context.js';
import { ERRORS, MESSAGES } from '../messages.js';
import { responses, text, Timestamp } from '../schemas/common.js';

const RegisterBody = Type.Object({
  email: Type.Optional(text(1000, 'optional when a username is given')),
  username: Type.Optional(text(1000, 'generated from the email when empty')),
  name: Type.Optional(text(1000)),
  surname: Type.Optional(text(1000)),
  password: Type.Optional(text(1000, 'never trimmed; PASSWORD_MIN_LENGTH characters to 72 bytes')),
});

const RegisterReply = Type.Object({
  message: Type.String(),
  code: Type.Literal('REGISTER_SUCCESS'),
  user: Type.Object({
    id: Type.Integer(),
    email: Type.String(),
    username: Type.String(),
    name: Type.String(),
    surname: Type.String(),
    created_at: Timestamp,
  }),
});

export const registerRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  app.post(
    '/register',
    {
      config: { invalidPayload: ERRORS.invalidPayload },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account with role user',
        operationId: 'register',
        description:
          'Creates an account with the role user from an e-mail, a name, a surname and a password. An e-mail already in use is a 409; the password must meet PASSWORD_MIN_LENGTH.',
        body: RegisterBody,
        response: responses({ 201: RegisterReply }, [400, 409, 413, 500, 503]),
      },
    },
    async (request, reply) => {
      const user = await register(deps, requestContext(request), request.body);
      return reply.code(201).send({
        ...MESSAGES.registered,
        user: {
          id: user.id,
          email: user.email ?? '',
          username: user.username,
          name: user.name,
          surname: user.surname,
          created_at: user.created_at.toISOString(),
        },
      });
    },
  );
};
