import { Type, type Static } from 'typebox';
import { commonEnv, jwtEnv } from '@cloud-backend/shared';

export const configSchema = Type.Object({ ...commonEnv(3000), ...jwtEnv });

export type Config = Static<typeof configSchema>;
