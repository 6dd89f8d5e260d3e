import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Type } from 'typebox';
import type { AuthDeps } from '../domain/deps.js';
import {
  completeLogin,
  confirmEnrolment,
  disableTotp,
  enrollee,
  mfaStatus,
  startEnrolment,
} from '../domain/mfa.js';
import { requestContext } from '../domain/request-context.js';
import { ERRORS, MESSAGES } from '../messages.js';
import { bodyOptional, responses, SessionReplySchema, text } from '../schemas/common.js';

const Code = text(64, 'six digits from the authenticator app, or a recovery code where allowed');
const Ticket = (description: string) => text(2000, description);
const ENROLMENT_TOKEN =
  'instead of an access token: the enrolment_token of a 403 MFA_ENROLMENT_REQUIRED sign-in';

const Enrolment = Type.Object({
  secret: Type.String({ description: 'the shared secret, base32, for typing in by hand' }),
  otpauth_uri: Type.String({ description: 'otpauth://totp/… for authenticator apps' }),
  qr_code: Type.String({ description: 'the URI as a QR code, a PNG data URL' }),
});

const Enabled = Type.Object({
  message: Type.String(),
  code: Type.String(),
  recovery_codes: Type.Array(Type.String(), {
    description: 'ten single-use codes, shown this once; each replaces a code from the app once',
  }),
  session: Type.Optional(SessionReplySchema),
});

/** The 401 of a sign-in that needs its second step, with the ticket for POST /login/mfa. */
export const MfaRequiredSchema = Type.Object({
  error: Type.String(),
  code: Type.String(),
  details: Type.Optional(Type.Unknown()),
  mfa_token: Type.Optional(
    Type.String({ description: 'with MFA_REQUIRED: single use, for POST /login/mfa' }),
  ),
  enrolment_token: Type.Optional(
    Type.String({ description: 'with MFA_ENROLMENT_REQUIRED: for /mfa/totp and its confirm' }),
  ),
  expires_in: Type.Optional(Type.Integer({ description: 'seconds the token stays valid' })),
});

/**
 * Two-step sign-in (docs/security.md, "Two-step sign-in"). Enrolment takes an access token,
 * or, for an admin who must enrol before signing in (ADMIN_MFA_REQUIRED), the enrolment token
 * in the body instead: that token opens nothing but these two routes.
 */
export const mfaRoutes: FastifyPluginAsyncTypebox<AuthDeps> = async (app, deps) => {
  const bearer = [{ bearerAuth: [] }];
  const bearerOrTicket: Record<string, string[]>[] = [{ bearerAuth: [] }, {}];
  const invalidPayload = { invalidPayload: ERRORS.invalidPayload };

  /** An access token, unless the body carries an enrolment token. */
  const tokenOrTicket = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ) => {
    const body = request.body as { enrolment_token?: string } | undefined;
    if (body?.enrolment_token !== undefined) {
      done();
      return;
    }
    app.authenticate(request, reply, done);
  };

  app.post(
    '/login/mfa',
    {
      config: invalidPayload,
      schema: {
        tags: ['sessions'],
        summary: 'Second sign-in step: the mfa_token of MFA_REQUIRED and a code',
        operationId: 'loginMfa',
        description:
          'Completes a sign-in answered 401 MFA_REQUIRED: a code from the authenticator app (or one of the recovery codes, each once) gives exactly the reply of POST /login. ' +
          'Wrong codes count as wrong passwords (429 ACCOUNT_LOCKED, LOGIN_RATE_LIMITED) and are logged; the mfa_token lives five minutes, works once and dies after five wrong codes.',
        body: Type.Object({ mfa_token: Ticket('from the 401 MFA_REQUIRED answer'), code: Code }),
        response: responses({ 200: SessionReplySchema }, [400, 401, 413, 415, 429, 503]),
      },
    },
    async (request) =>
      completeLogin(deps, requestContext(request), request.body.mfa_token, request.body.code),
  );

  app.get(
    '/mfa',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['accounts'],
        summary: 'Whether two-step sign-in is on for the account, and recovery codes left',
        operationId: 'getMfaStatus',
        description:
          'required is true for an admin when ADMIN_MFA_REQUIRED is set: such an account cannot sign in without an authenticator.',
        security: bearer,
        response: responses(
          {
            200: Type.Object({
              totp_enabled: Type.Boolean(),
              recovery_codes_left: Type.Integer(),
              required: Type.Boolean(),
            }),
          },
          [400, 401, 503],
        ),
      },
    },
    async (request) => {
      const { user } = await enrollee(deps, request.user.user_id, undefined);
      return mfaStatus(deps, user);
    },
  );

  app.post(
    '/mfa/totp',
    {
      preHandler: tokenOrTicket,
      preValidation: bodyOptional,
      config: invalidPayload,
      schema: {
        tags: ['accounts'],
        summary: 'Start setting up an authenticator app: a secret, its URI and QR code',
        operationId: 'startTotpEnrolment',
        description:
          'Makes a new secret, not active until confirmed with a code (POST /mfa/totp/confirm); starting again replaces an unconfirmed one. 409 MFA_ALREADY_ENABLED when one is on.',
        security: bearerOrTicket,
        body: Type.Object({ enrolment_token: Type.Optional(Ticket(ENROLMENT_TOKEN)) }),
        response: responses({ 200: Enrolment }, [400, 401, 409, 413, 415, 503]),
      },
    },
    async (request) => {
      const ticket = request.body.enrolment_token;
      const who = await enrollee(
        deps,
        ticket === undefined ? request.user.user_id : undefined,
        ticket,
      );
      return startEnrolment(deps, who.user);
    },
  );

  app.post(
    '/mfa/totp/confirm',
    {
      preHandler: tokenOrTicket,
      config: invalidPayload,
      schema: {
        tags: ['accounts'],
        summary: 'Turn the authenticator on with a first code; the recovery codes, shown once',
        operationId: 'confirmTotpEnrolment',
        description:
          'A right code from the app turns two-step sign-in on and answers ten recovery codes, never shown again. With an enrolment_token, the answer also carries session: the reply of POST /login, for the sign-in the admin began. ' +
          'Wrong codes count as wrong passwords (docs/security.md).',
        security: bearerOrTicket,
        body: Type.Object({
          code: Code,
          enrolment_token: Type.Optional(Ticket(ENROLMENT_TOKEN)),
        }),
        response: responses({ 200: Enabled }, [400, 401, 409, 413, 415, 429, 503]),
      },
    },
    async (request) => {
      const ticket = request.body.enrolment_token;
      const who = await enrollee(
        deps,
        ticket === undefined ? request.user.user_id : undefined,
        ticket,
      );
      const done = await confirmEnrolment(
        deps,
        requestContext(request),
        who,
        request.body.code,
        ticket,
      );
      return { ...MESSAGES.mfaEnabled, ...done };
    },
  );

  app.post(
    '/mfa/totp/disable',
    {
      preHandler: app.authenticate,
      config: invalidPayload,
      schema: {
        tags: ['accounts'],
        summary: 'Turn the authenticator off with a fresh code or a recovery code',
        operationId: 'disableTotp',
        description:
          'Removes the authenticator and every recovery code. Wrong codes count as wrong passwords (docs/security.md).',
        security: bearer,
        body: Type.Object({ code: Code }),
        response: responses(
          { 200: Type.Object({ message: Type.String(), code: Type.String() }) },
          [400, 401, 409, 413, 415, 429, 503],
        ),
      },
    },
    async (request) => {
      const { user } = await enrollee(deps, request.user.user_id, undefined);
      await disableTotp(deps, requestContext(request), user, request.body.code);
      return MESSAGES.mfaDisabled;
    },
  );
};
