import type { ChildProcess } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceApp } from '@cloud-backend/shared';
import { build as buildAuth, INTERNAL_TOKEN } from '../../auth-service/test/helper.js';
import { buildGateway, upstreamEnv } from '../../gateway/test/support/gateway.js';
import { get, renderSite, startNginx, stopNginx, type Site } from './nginx-site.js';
import { requireTool } from './support.js';

// Who the client is (docs/operations.md, "Client addresses"): the gateway and auth-service
// believe X-Forwarded-For only from loopback unless TRUST_PROXY names more, and nginx only from
// the load balancers TRUSTED_LOAD_BALANCERS names. Real servers on real sockets: auth-service
// on its database, the gateway in front of it, and nginx in front of the gateway.

/**
 * An address of this machine that is not loopback, so a connection to it comes from an address
 * nobody trusts by default. A private one when there is one (IPv4, else IPv6 unique-local):
 * those were trusted before.
 */
function nonLoopbackAddress(): { address: string; host: string; listen: string } {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !a.address.startsWith('fe80:'))
    .map((a) => ({ address: a?.address ?? '', v6: a?.family === 'IPv6' }));
  const privateV4 = (a: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(a);
  const uniqueLocal = (a: string) => /^f[cd]/i.test(a);
  const chosen =
    addresses.find((a) => !a.v6 && privateV4(a.address)) ??
    addresses.find((a) => a.v6 && uniqueLocal(a.address)) ??
    addresses.find((a) => !a.v6) ??
    addresses[0];
  if (!chosen) throw new Error('this machine has no address besides loopback');
  return chosen.v6
    ? { address: chosen.address, host: `[${chosen.address}]`, listen: '::' }
    : { address: chosen.address, host: chosen.address, listen: '0.0.0.0' };
}

const LOGIN_MAX = 2;
let mailbox = 0;
/** A login for an account nobody has, under a new e-mail each time (no account lockout). */
function loginBody(): string {
  mailbox += 1;
  return JSON.stringify({ email: `nobody${String(mailbox)}@example.com`, password: 'wrong pw' });
}

let auth: Awaited<ReturnType<typeof buildAuth>>;
let gateway: ServiceApp;
let authPort: number;
let gatewayPort: number;
const lan = nonLoopbackAddress();

async function listenEverywhere(app: ServiceApp): Promise<number> {
  await app.listen({ host: lan.listen, port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Where auth-service logged each of these e-mails' attempts from. */
async function loggedAddresses(emails: string[]): Promise<string[]> {
  const { rows } = await auth.db.query<{ ip_address: string }>(
    'SELECT ip_address FROM auth_logs WHERE user_email = ANY($1) ORDER BY id',
    [emails],
  );
  return rows.map((row) => row.ip_address);
}

const emailOf = (body: string) => (JSON.parse(body) as { email: string }).email;

beforeAll(async () => {
  auth = await buildAuth();
  authPort = await listenEverywhere(auth);
  gateway = await buildGateway({
    ...upstreamEnv(`http://127.0.0.1:${String(authPort)}`),
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    RATE_LIMIT_LOGIN_MAX: String(LOGIN_MAX),
  });
  gatewayPort = await listenEverywhere(gateway);
});

afterAll(async () => {
  await gateway.close();
  await auth.close();
});

describe('X-Forwarded-For from an address nobody trusts (default TRUST_PROXY)', () => {
  it('the gateway keys its rate limits on the connection, whatever the header says', async () => {
    const bodies: string[] = [];
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_MAX; i++) {
      const body = loginBody();
      bodies.push(body);
      const answer = await get(`http://${lan.host}:${String(gatewayPort)}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}` },
        body,
      });
      statuses.push(answer.status);
    }
    // One bucket for all three: the third is refused.
    expect(statuses).toEqual([401, 401, 429]);
    // And auth-service logged the address the gateway saw, never the one the client chose.
    expect(await loggedAddresses(bodies.map(emailOf))).toEqual([lan.address, lan.address]);
  });

  it('auth-service logs the connection address, whatever the header says', async () => {
    const body = loginBody();
    const answer = await get(`http://${lan.host}:${String(authPort)}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body,
    });
    expect(answer.status).toBe(401);
    expect(await loggedAddresses([emailOf(body)])).toEqual([lan.address]);
  });
});

describe('nginx behind a load balancer named in TRUSTED_LOAD_BALANCERS', () => {
  // The load balancer connects from 127.0.0.2; any other address is a client reaching nginx
  // directly. Linux answers on all of 127.0.0.0/8.
  const BALANCER = '127.0.0.2';
  const DIRECT = '127.0.0.3';
  let site: Site;
  let nginx: ChildProcess | undefined;

  beforeAll(async () => {
    requireTool('nginx', 'nginx-light');
    requireTool('openssl', 'openssl');
    site = await renderSite(`127.0.0.1:${String(gatewayPort)}`, '/nonexistent', BALANCER);
    nginx = await startNginx(site);
  });
  afterAll(async () => {
    await stopNginx(nginx);
    rmSync(site.dir, { recursive: true, force: true });
  });

  async function login(from: string, forwardedFor?: string) {
    const body = loginBody();
    const answer = await get(`https://127.0.0.1:${String(site.httpsPort)}/auth/login`, {
      method: 'POST',
      localAddress: from,
      headers: {
        'content-type': 'application/json',
        ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
      },
      body,
    });
    return { status: answer.status, email: emailOf(body) };
  }

  it('gives each client the balancer names its own bucket and its own address in auth_logs', async () => {
    const first = [];
    for (let i = 0; i <= LOGIN_MAX; i++) first.push(await login(BALANCER, '203.0.113.1'));
    expect(first.map((a) => a.status)).toEqual([401, 401, 429]);
    const second = await login(BALANCER, '203.0.113.2');
    expect(second.status).toBe(401);
    expect(await loggedAddresses([...first, second].map((a) => a.email))).toEqual([
      '203.0.113.1',
      '203.0.113.1',
      '203.0.113.2',
    ]);
    // A client's own X-Forwarded-For, which the balancer extends: the balancer's entry counts.
    const prepended = await login(BALANCER, '198.51.100.77, 203.0.113.1');
    expect(prepended.status).toBe(429);
  });

  it('ignores the same header from an address it does not trust', async () => {
    const direct = await login(DIRECT, '203.0.113.2');
    expect(direct.status).toBe(401);
    const spoofedFull = await login(DIRECT, '203.0.113.1');
    // 203.0.113.1's bucket is empty; this one is DIRECT's own.
    expect(spoofedFull.status).toBe(401);
    expect(await loggedAddresses([direct.email, spoofedFull.email])).toEqual([DIRECT, DIRECT]);
  });
});
