import { loadConfig, type ServiceApp } from '@cloud-backend/shared';
import { TEST_JWT_SECRET, testJwksUrl, signTestToken } from '@cloud-backend/shared/testing';

import { buildApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** The dashboard-api app, built as server.ts builds it, for inject(). No source unless given. */
export async function build(env: Record<string, string> = {}): Promise<ServiceApp> {
  const config = loadConfig(configSchema, {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    JWKS_URL: testJwksUrl(),
    ...env,
  });
  return buildApp(config, { logger: false });
}

export const ROUTES = [
  '/api/dashboard/security',
  '/api/dashboard/vm-health',
  '/api/dashboard/insights',
] as const;

export const admin = { authorization: `Bearer ${signTestToken({ role: 'admin' })}` };
export const user = { authorization: `Bearer ${signTestToken({ role: 'user' })}` };

export interface SourceReport {
  status: string;
  queries: number;
  failed: number;
  error: string | null;
}

/** The envelope every dashboard route answers, with its data left open. */
export interface Reply<Data = Record<string, unknown>> {
  status: 'success';
  timestamp: string;
  data: Data & {
    metadata: { data_source: string; last_updated: string; collection_time_ms: number };
  };
  metadata: {
    version: string;
    last_update: string;
    data_source: string;
    response_time_ms: number;
    sources: Partial<Record<'prometheus' | 'auth_db' | 'user_db', SourceReport>>;
    null_fields: Record<string, string>;
  };
}

/** GET a dashboard route as an admin; fails the test unless it answers 200. */
export async function fetchDashboard<Data = Record<string, unknown>>(
  app: ServiceApp,
  url: string,
): Promise<Reply<Data>> {
  const response = await app.inject({ url, headers: admin });
  if (response.statusCode !== 200) {
    throw new Error(`${url} answered ${String(response.statusCode)}: ${response.body}`);
  }
  return response.json<Reply<Data>>();
}

/** Every leaf of an object as dotted path → value (arrays are leaves). */
export function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      for (const [p, v] of leaves(child, path)) out.set(p, v);
    }
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** data without its own metadata object. */
export function withoutMetadata(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([key]) => key !== 'metadata'));
}

/** The paths of the null leaves of data (its own metadata aside). */
export function nullPaths(data: Record<string, unknown>): string[] {
  return [...leaves(withoutMetadata(data))]
    .filter(([, value]) => value === null)
    .map(([path]) => path)
    .sort();
}
