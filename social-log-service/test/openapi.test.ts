import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_INGEST_PATH, type ServiceApp } from '@cloud-backend/shared';
import { build } from './helper.js';

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  summary?: string;
  responses: Record<string, unknown>;
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
}
interface Document {
  info: { title: string; description: string };
  paths: Record<string, Record<string, Operation>>;
}

const ROUTES: [string, string, string, string[]][] = [
  ['/api/social/log', 'post', 'bearerAuth', ['201', '400', '401', '413', '500', '503']],
  ['/api/social/logs', 'get', 'bearerAuth', ['200', '400', '401', '403', '500', '503']],
  ['/api/social/audit', 'get', 'bearerAuth', ['200', '400', '401', '403', '500', '503']],
  ['/api/social/audit/verify', 'get', 'bearerAuth', ['200', '401', '403', '500', '503']],
  [AUDIT_INGEST_PATH, 'post', 'serviceToken', ['200', '400', '401', '413', '415', '500', '503']],
];

describe('OpenAPI document', () => {
  let app: ServiceApp;
  let document: Document;
  beforeAll(async () => {
    app = await build();
    await app.ready();
    document = app.swagger() as unknown as Document;
  });
  afterAll(() => app.close());

  it('describes the service', () => {
    expect(document.info.title).toBe('social-log-service');
    expect(document.info.description).toMatch(/audit trail/);
  });

  it.each(ROUTES)('documents %s %s fully', (path, method, scheme, statuses) => {
    const operation = document.paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(operation?.tags?.length).toBeGreaterThan(0);
    expect(operation?.summary).toBeTruthy();
    expect(operation?.security).toEqual([{ [scheme]: [] }]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual([...statuses].sort());
    if (method === 'post') expect(operation?.requestBody).toBeDefined();
  });

  it('documents the listing filters as query parameters', () => {
    const names = (path: string) =>
      (document.paths[path]?.get?.parameters ?? []).map((parameter) => parameter.name).sort();
    expect(names('/api/social/logs')).toEqual(
      ['from', 'limit', 'page', 'social', 'status', 'to', 'user_id'].sort(),
    );
    expect(names('/api/social/audit')).toEqual(
      ['action', 'from', 'limit', 'page', 'service', 'to', 'user_id'].sort(),
    );
  });

  it('serves no /docs page outside development', async () => {
    expect((await app.inject({ url: '/docs' })).statusCode).toBe(404);
  });

  it('serves the /docs page in development', async () => {
    const dev = await build({ NODE_ENV: 'development' });
    try {
      const response = await dev.inject({ url: '/docs/json' });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.json<Document>().paths)).toContain('/api/social/log');
    } finally {
      await dev.close();
    }
  });
});
