import { Type, type Static, type TProperties } from 'typebox';
import {
  commonEnv,
  databaseEnv,
  internalTokenEnv,
  legacyJwtEnv,
  readOnlyRoleEnv,
} from '@cloud-backend/shared';

const DAY = 86_400;

/** Where the private keys that sign access tokens come from (docs/security.md#access-token-keys). */
export const signingKeyEnv = {
  JWT_SIGNING_KEYS_FILE: Type.String({
    minLength: 1,
    description:
      'the path of the access-token signing keys: {"keys":[...]} of private JWKs (what ' +
      'rotate-signing-key writes) or one PEM private key',
  }),
  JWT_SIGNING_KEYS_CREATE: Type.Boolean({
    default: false,
    description:
      'true: create JWT_SIGNING_KEYS_FILE with one new key when it does not exist (make dev, ' +
      'the compose volume); never over an existing file',
  }),
  JWT_SIGNING_ALGORITHM: Type.Union([Type.Literal('EdDSA'), Type.Literal('ES256')], {
    default: 'EdDSA',
    description: 'EdDSA (Ed25519) or ES256 (P-256): the kind of key created or rotated in',
  }),
  JWT_SIGNING_KEYS_RELOAD_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'milliseconds between two reads of JWT_SIGNING_KEYS_FILE (default 10000)',
  }),
} satisfies TProperties;

export const configSchema = Type.Object({
  ...commonEnv(3001),
  ...databaseEnv,
  ...legacyJwtEnv,
  ...signingKeyEnv,
  ...internalTokenEnv,
  ...readOnlyRoleEnv,
  ACCESS_TOKEN_TTL: Type.Integer({
    minimum: 60,
    maximum: 7 * DAY,
    default: DAY,
    description: 'access token lifetime in seconds (60 to 604800; default 86400)',
  }),
  REFRESH_TOKEN_TTL: Type.Integer({
    minimum: 300,
    maximum: 365 * DAY,
    default: 30 * DAY,
    description: 'how long an unused session can be refreshed, in seconds (default 30 days)',
  }),
  BCRYPT_COST: Type.Integer({
    minimum: 4,
    maximum: 15,
    default: 12,
    description: 'bcrypt cost factor, 4 to 15 (default 12)',
  }),
  PASSWORD_MIN_LENGTH: Type.Integer({
    minimum: 1,
    maximum: 72,
    default: 8,
    description: 'shortest password accepted at registration, in characters (default 8)',
  }),
  LOCKOUT_THRESHOLD: Type.Integer({
    minimum: 1,
    default: 5,
    description:
      'wrong passwords for one account from one client address that lock that account ' +
      'for that address (default 5)',
  }),
  LOCKOUT_MINUTES: Type.Integer({
    minimum: 1,
    default: 15,
    description: 'window for counting failures, and how long a lock lasts, in minutes',
  }),
  ACCOUNT_FAILURE_LIMIT: Type.Integer({
    minimum: 1,
    default: 20,
    description:
      'wrong passwords for one account from all addresses after which only addresses it ' +
      'recently signed in from may try it, until the window ends (default 20)',
  }),
  ADDRESS_FAILURE_LIMIT: Type.Integer({
    minimum: 1,
    default: 20,
    description: 'wrong passwords from one client address, for any accounts (default 20)',
  }),
  KNOWN_ADDRESS_DAYS: Type.Integer({
    minimum: 1,
    default: 30,
    description: 'how long an address an account signed in from stays known, in days',
  }),
  TRUST_PROXY: Type.String({
    // Loopback only: a private network is no proof that a peer is the gateway
    // (docs/operations.md).
    default: 'loopback',
    description:
      'addresses or CIDRs (comma list) whose X-Forwarded-For is believed: the gateway. ' +
      'Default: loopback only',
  }),
  ADMIN_EMAIL: Type.Optional(
    Type.String({
      format: 'email',
      description: 'first admin, created at start-up if none exists',
    }),
  ),
  ADMIN_PASSWORD: Type.Optional(
    Type.String({ minLength: 8, description: "the first admin's password (8 to 72 bytes)" }),
  ),
  ADMIN_MFA_REQUIRED: Type.Boolean({
    default: false,
    description:
      'true: an admin without a confirmed authenticator gets only an enrolment token at ' +
      'sign-in (403 MFA_ENROLMENT_REQUIRED), never a session (docs/security.md)',
  }),
  MFA_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      minLength: 32,
      description:
        'the key TOTP secrets are encrypted with (32 characters or more, e.g. openssl rand ' +
        '-hex 32); unset in production, no authenticator can be set up',
    }),
  ),
  MFA_ISSUER: Type.String({
    minLength: 1,
    maxLength: 64,
    default: 'Attendance',
    description: 'the name authenticator apps show next to the account (default Attendance)',
  }),
  SOCIAL_LOG_SERVICE_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'where audit events are delivered (with INTERNAL_API_TOKEN)',
    }),
  ),
});

export type Config = Static<typeof configSchema>;
