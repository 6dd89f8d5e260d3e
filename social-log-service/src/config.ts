import { Type, type Static } from 'typebox';
import { commonEnv, databaseEnv, internalTokenEnv, jwtEnv } from '@cloud-backend/shared';

export const configSchema = Type.Object({
  ...commonEnv(3003),
  ...databaseEnv,
  ...jwtEnv,
  // Credential of the audit ingestion route; without it that route answers 503.
  ...internalTokenEnv,
});

export type Config = Static<typeof configSchema>;
