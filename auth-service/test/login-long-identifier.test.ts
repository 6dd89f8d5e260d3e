import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type App } from './helper.js';

// auth_logs keeps 255 UTF-16 units of a tried identifier: an emoji (two units) straddling that
// cut left half a surrogate pair in the audit event, whose JSON PostgreSQL refused (a 500).
describe('POST /login with an identifier cut inside an emoji', () => {
  let app: App;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 401 and records the attempt, the half emoji as U+FFFD in its audit event', async () => {
    // 255 units end in the first half of the 128th emoji.
    const identifier = '😀'.repeat(200);
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: identifier, password: 'whatever password' },
    });
    expect(response.statusCode).toBe(401);
    const { rows } = await app.db.query<{ payload: { details?: { email?: string } } }>(
      `SELECT payload FROM audit_outbox ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]?.payload.details?.email).toBe(`${'😀'.repeat(127)}\uFFFD`);
  });
});
