import { ADMIN } from './stack.js';

/** One HTTP exchange as a client saw it. status 0: no answer at all (reset, refused, timeout). */
export interface Exchange {
  status: number;
  /** Milliseconds from sending to the end of the body (or the failure). */
  ms: number;
  text: string;
  headers: Headers | undefined;
  error?: string;
}

// Past this a request counts as hung: far above any healthy answer, far below the test timeout.
export const HANG_MS = 15_000;

export async function request(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Exchange> {
  const started = performance.now();
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(HANG_MS),
    });
    const text = await response.text();
    return {
      status: response.status,
      ms: performance.now() - started,
      text,
      headers: response.headers,
    };
  } catch (err) {
    const cause =
      err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    const error = (err instanceof Error ? err.message : String(err)) + cause;
    return { status: 0, ms: performance.now() - started, text: '', headers: undefined, error };
  }
}

export interface Account {
  id: number;
  email: string;
  password: string;
  token: string;
}

interface LoginReply {
  token: string;
  user: { id: number };
}

async function expectStatus(exchange: Exchange, status: number, what: string): Promise<void> {
  if (exchange.status !== status) {
    throw new Error(`${what}: ${String(exchange.status)} ${exchange.text}${exchange.error ?? ''}`);
  }
}

export async function login(base: string, email: string, password: string): Promise<LoginReply> {
  const answer = await request(base, 'POST', '/login', { body: { email, password } });
  await expectStatus(answer, 200, `login ${email}`);
  return JSON.parse(answer.text) as LoginReply;
}

export async function adminToken(base: string): Promise<string> {
  return (await login(base, ADMIN.email, ADMIN.password)).token;
}

/** `count` new accounts, registered and signed in through `base` (the gateway). */
export async function registerAccounts(
  base: string,
  prefix: string,
  count: number,
): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${prefix}-${String(i)}-${String(Date.now())}@example.com`;
    const password = 'fault injection password';
    const registered = await request(base, 'POST', '/auth/register', {
      body: { email, password, name: 'Fault', surname: `User${String(i)}` },
    });
    await expectStatus(registered, 201, `register ${email}`);
    const session = await login(base, email, password);
    accounts.push({ id: session.user.id, email, password, token: session.token });
  }
  return accounts;
}

export interface QrEvent {
  eventId: string;
  qrContent: unknown;
}

/** `count` QR events of today, created by an admin through `base`. */
export async function createEvents(base: string, admin: string, count: number): Promise<QrEvent[]> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
  const events: QrEvent[] = [];
  for (let i = 0; i < count; i++) {
    const created = await request(base, 'POST', '/user/qr/admin/generate', {
      token: admin,
      body: { event_name: `Faults ${String(i)} ${String(Date.now())}`, date: today },
    });
    await expectStatus(created, 201, 'generate a QR event');
    const body = JSON.parse(created.text) as { event_id: string; qr_content: string };
    events.push({ eventId: body.event_id, qrContent: JSON.parse(body.qr_content) as unknown });
  }
  return events;
}

/** The session id (sid) of an access token, without verifying it: the test issued it. */
export function sessionOf(token: string): string {
  const payload = token.split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sid: string }).sid;
}
