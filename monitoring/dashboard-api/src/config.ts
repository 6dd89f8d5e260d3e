import { Type, type Static } from 'typebox';
import { commonEnv } from '@cloud-backend/shared';

export const configSchema = Type.Object({ ...commonEnv(3005) });

export type Config = Static<typeof configSchema>;
