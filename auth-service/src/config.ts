import { Type, type Static } from 'typebox';
import { commonEnv, databaseEnv, jwtEnv } from '@cloud-backend/shared';

export const configSchema = Type.Object({ ...commonEnv(3001), ...databaseEnv, ...jwtEnv });

export type Config = Static<typeof configSchema>;
