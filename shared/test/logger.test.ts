import { describe, expect, it } from 'vitest';
import { loggerOptions, redactUrl } from '../src/index.js';
import { logCapture, testApp } from './helpers.js';

describe('logger', () => {
  it('hides credentials at any depth and keeps the request id on every line', async () => {
    const logs = logCapture();
    const app = await testApp({ logger: { level: 'info', format: 'json', stream: logs.stream } });
    app.post('/echo', async (request) => {
      request.log.info(
        {
          body: request.body,
          headers: request.headers,
          nested: { deeper: { refresh_token: 'refresh-secret', access_token: 'access-secret' } },
        },
        'handling',
      );
      return { ok: true };
    });
    const response = await app.inject({
      method: 'POST',
      url: '/echo?token=query-secret&page=2',
      headers: {
        authorization: 'Bearer header-secret',
        cookie: 'sid=cookie-secret',
        'x-request-id': 'req-abc-123',
      },
      payload: { email: 'a@b.c', password: 'pw-secret', current_password: 'old-secret' },
    });
    await app.close();

    expect(response.headers['x-request-id']).toBe('req-abc-123');
    const text = logs.text();
    for (const secret of [
      'header-secret',
      'cookie-secret',
      'pw-secret',
      'old-secret',
      'refresh-secret',
      'access-secret',
      'query-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('a@b.c');
    const requestLines = logs.lines().filter((line) => 'reqId' in line);
    expect(requestLines.length).toBeGreaterThanOrEqual(3); // incoming, handling, completed
    expect(requestLines.every((line) => line.reqId === 'req-abc-123')).toBe(true);
    expect(logs.lines().every((line) => line.service === 'test-service')).toBe(true);
  });

  it('replaces an unsafe X-Request-ID with a generated one', async () => {
    const app = await testApp();
    const response = await app.inject({
      url: '/health',
      headers: { 'x-request-id': 'bad id\nwith newline' },
    });
    await app.close();
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts credential query parameters in logged URLs', () => {
    expect(redactUrl('/a?token=x&b=1&access_token=y#f')).toBe(
      '/a?token=[REDACTED]&b=1&access_token=[REDACTED]#f',
    );
    expect(redactUrl('/plain?page=2')).toBe('/plain?page=2');
  });

  it('writes JSON lines in production and readable single lines in development', () => {
    const json = loggerOptions({ service: 's', level: 'info', format: 'json' });
    expect(json.transport).toBeUndefined();
    const pretty = loggerOptions({ service: 's', level: 'info', format: 'pretty' });
    expect(pretty.transport).toMatchObject({
      target: 'pino-pretty',
      options: { singleLine: true },
    });
  });
});
