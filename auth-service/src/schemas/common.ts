import { Type, type TSchema } from 'typebox';

/** A string field of a request body: no NUL (PostgreSQL refuses it), bounded. */
export function text(maxLength = 1000, description?: string) {
  return Type.String({ maxLength, pattern: '^[^\\u0000]*$', description });
}

export const ErrorSchema = Type.Object(
  {
    error: Type.String(),
    code: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { description: 'Every error: a message (Italian where the original had one) and a code' },
);

/** Response schemas for the errors a route can give, with the success schema(s). */
export function responses(success: Record<number, TSchema>, errors: number[]) {
  const all: Record<number, TSchema> = { ...success };
  for (const status of errors) all[status] = ErrorSchema;
  return all;
}

export const Timestamp = Type.String({
  format: 'date-time',
  description: 'RFC 3339, UTC, millisecond precision',
});

export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);

export const PublicUser = Type.Object({
  id: Type.Integer(),
  email: Type.String({ description: '"" for an account registered with a username only' }),
  username: Type.String(),
  name: Type.String(),
  surname: Type.String(),
  role: Role,
});

export const SessionReplySchema = Type.Object({
  token: Type.String({ description: 'the access token (JWT, HS256)' }),
  access_token: Type.String({ description: 'the same token, for mobile clients' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds the access token lives (ACCESS_TOKEN_TTL)' }),
  refresh_token: Type.String({ description: 'single use; POST /refresh exchanges it' }),
  refresh_expires_in: Type.Integer({ description: 'seconds an unused session stays refreshable' }),
  user: PublicUser,
});

/**
 * preValidation of a route whose body is optional: no body at all is validated as {} (Fastify
 * would check `undefined` against the object schema and refuse it).
 */
export function bodyOptional(request: { body: unknown }, _reply: unknown, done: () => void): void {
  request.body ??= {};
  done();
}
