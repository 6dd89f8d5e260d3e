import { randomUUID } from 'node:crypto';
import type { ServiceApp } from '@cloud-backend/shared';
import { buildGateway, bearer } from '../../../gateway/test/support/gateway.js';
import { listen, send, type Answer } from '../../../gateway/test/support/http.js';
import { startServices, type Services } from '../../../gateway/test/support/services.js';
import type { UpstreamName } from '../../../gateway/src/upstreams.js';
import type { Fixtures } from './inputs.js';
import type { OpenApiDocument } from './routes.js';

const PASSWORD = 'fuzz password 12345';

export interface Sessions {
  admin: string;
  user: string;
}

export interface System {
  /** The gateway's base URL. */
  base: string;
  gateway: ServiceApp;
  services: Services;
  fixtures: Fixtures;
  /** The gateway's public OpenAPI document, as /openapi.json serves it. */
  publicDocument: OpenApiDocument;
  /** Each service's OpenAPI document, built from its route schemas. */
  documents: Record<Exclude<UpstreamName, 'prometheus-service'>, OpenApiDocument>;
  /** A new admin and a new user, signed in through the gateway. */
  newSessions(): Promise<Sessions>;
  /** Signs the account of `token` in again after a case logged it out or revoked it. */
  renew(sessions: Sessions, who: keyof Sessions): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

function call(base: string, method: string, path: string, body?: unknown, token?: string) {
  return send(base, {
    method,
    path,
    headers: {
      ...(token ? bearer(token) : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status) {
    throw new Error(`${what}: ${String(answer.status)} ${answer.text.slice(0, 300)}`);
  }
}

/**
 * The real services on their own migrated databases, and the real gateway in front of them
 * on a real port. The gateway's rate limits (100/min per IP, 5/min login, 10/h register) are
 * raised out of the way: every case comes from 127.0.0.1, and the limits would otherwise turn
 * the run into a test of the 429 path. Load shedding is off as in every gateway test: all
 * services share this one event loop, so its delay measures the test harness, not the gateway.
 */
export async function startSystem(): Promise<System> {
  const services = await startServices();
  const gateway = await buildGateway({
    ...services.env,
    RATE_LIMIT_GLOBAL_MAX: '100000000',
    RATE_LIMIT_LOGIN_MAX: '100000000',
    RATE_LIMIT_REGISTER_MAX: '100000000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
  });
  const base = await listen(gateway);

  const login = async (email: string) => {
    const answer = await call(base, 'POST', '/login', { email, password: PASSWORD });
    expectStatus(answer, 200, `login of ${email}`);
    return answer.json<{ token: string; refresh_token: string; user: { id: number } }>();
  };
  const register = async (prefix: string) => {
    counter += 1;
    const email = `${prefix}-${String(counter)}-${randomUUID().slice(0, 8)}@example.com`;
    const body = { email, name: 'Fuzz', surname: 'Case', password: PASSWORD };
    expectStatus(await call(base, 'POST', '/auth/register', body), 201, `register ${email}`);
    return email;
  };
  const newAdmin = async () => {
    counter += 1;
    const email = `fuzz-admin-${String(counter)}@example.com`;
    await services.createAdmin(email, PASSWORD);
    return email;
  };
  const emails = new Map<string, string>();

  // Values the fuzzer may pick so that some cases reach real rows: a user that has a session,
  // one that has checked in to an event, the event and its QR content.
  const adminEmail = await newAdmin();
  const admin = await login(adminEmail);
  const victimEmail = await register('fuzz-victim');
  const victim = await login(victimEmail);
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format();
  const event = await call(
    base,
    'POST',
    '/user/qr/admin/generate',
    { event_name: 'Fuzz event', date },
    admin.token,
  );
  expectStatus(event, 201, 'event');
  const { event_id: eventId, qr_content: qrContent } = event.json<{
    event_id: string;
    qr_content: string;
  }>();
  const qr = JSON.parse(qrContent) as Record<string, unknown>;
  expectStatus(
    await call(base, 'POST', '/user/qr/scan', { qr_content: qr }, victim.token),
    201,
    'check-in',
  );

  const fixtures: Fixtures = {
    userIds: [admin.user.id, victim.user.id],
    eventIds: [eventId],
    emails: [adminEmail, victimEmail],
    passwords: [PASSWORD],
    refreshTokens: [victim.refresh_token],
    qrContents: [qr],
  };

  const publicAnswer = await call(base, 'GET', '/openapi.json');
  expectStatus(publicAnswer, 200, 'the public document');

  return {
    base,
    gateway,
    services,
    fixtures,
    publicDocument: publicAnswer.json<OpenApiDocument>(),
    documents: {
      'auth-service': services.auth.swagger() as unknown as OpenApiDocument,
      'user-service': services.user.swagger() as unknown as OpenApiDocument,
      'social-log-service': services.socialLog.swagger() as unknown as OpenApiDocument,
      'dashboard-api': services.dashboard.swagger() as unknown as OpenApiDocument,
    },
    async newSessions() {
      const [adminAccount, userAccount] = await Promise.all([newAdmin(), register('fuzz-user')]);
      const [adminSession, userSession] = await Promise.all([
        login(adminAccount),
        login(userAccount),
      ]);
      emails.set(adminSession.token, adminAccount);
      emails.set(userSession.token, userAccount);
      return { admin: adminSession.token, user: userSession.token };
    },
    async renew(sessions, who) {
      const email = emails.get(sessions[who]);
      if (email === undefined) throw new Error('renew: a session this system did not open');
      const answer = await call(base, 'POST', '/login', { email, password: PASSWORD });
      // The case may have changed the password or deleted the account: keep the old token.
      if (answer.status !== 200) return;
      const next = answer.json<{ token: string }>().token;
      emails.set(next, email);
      sessions[who] = next;
    },
    async close() {
      await gateway.close();
      await services.close();
    },
  };
}
