/**
 * The web app in a real headless Chromium (Debian's, driven by playwright-core) against the
 * real stack: every service and the gateway as make dev runs them, on real PostgreSQL. The
 * built app is served by `vite preview`, which forwards the API paths to the gateway, so the
 * page calls its own origin exactly as behind nginx. Screenshots of every main page land in
 * frontend/test/screenshots/ (git-ignored) for review.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedEvent, SessionReply } from '../src/api/types.js';
import { launchChromium, screenshot, watchProblems } from './support/browser.js';
import { writeQrVideo } from './support/fake-camera.js';
import { foreignWords, pageStrings, watchApi } from './support/languages.js';
import { startStack, type Stack } from './support/stack.js';
import { startUserReplica } from './support/user-replica.js';
import { serveApp, type WebServer } from './support/web.js';

let stack: Stack;
let web: WebServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const checks: (() => string[])[] = [];
const temporary: string[] = [];

const stamp = Date.now().toString(36);
// What the fake camera plays: written by the camera check-in test, before it starts the camera
// (Chromium reads the file only when a page opens the camera), so one browser serves every test.
const cameraDir = join(tmpdir(), `cloud-backend-camera-${stamp}`);
const cameraVideo = join(cameraDir, 'qr.y4m');
temporary.push(cameraDir);
const user = {
  email: `ada.${stamp}@example.com`,
  name: 'Ada',
  surname: 'Lovelace',
  password: 'user-password-1',
};
const who = `${user.name} ${user.surname}`;
const eventName = `Demo ${stamp}`;
let userPage: Page;
let adminPage: Page;
let eventId = '';

const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
const COMMON = { locale: 'en-GB', timezoneId: 'Europe/Rome', acceptDownloads: true };

async function newPage(
  target: Browser = browser,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<Page> {
  const context = await target.newContext({ ...COMMON, ...options });
  contexts.push(context);
  const page = await context.newPage();
  // Generous: a sign-in (bcrypt) on a 2-core machine running the whole suite once took over 15 s.
  page.setDefaultTimeout(30_000);
  checks.push(watchProblems(page));
  return page;
}

/** A link of the main navigation. */
function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

function url(hash: string): string {
  return `${web.url}/#${hash}`;
}

async function signIn(page: Page, identifier: string, password: string): Promise<void> {
  await page.goto(url('/login'));
  await page.getByLabel('Email or username').fill(identifier);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await nav(page, 'Sign out').waitFor();
}

/** The page's text once `text` is visible in it. */
async function seeText(page: Page, text: string | RegExp): Promise<void> {
  await page.getByText(text).first().waitFor();
}

/** Straight to the API, as a script would: used to set up what the test is not about. */
// oxlint-disable-next-line typescript/no-unnecessary-type-parameters -- the JSON the caller expects
async function apiCall<T>(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function adminToken(): Promise<string> {
  const { body } = await apiCall<SessionReply>('POST', '/auth/login', undefined, {
    email: stack.admin.email,
    password: stack.admin.password,
  });
  return body.access_token;
}

async function createEvent(name: string, extra: object = {}): Promise<GeneratedEvent> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
  const { status, body } = await apiCall<GeneratedEvent>(
    'POST',
    '/user/qr/admin/generate',
    await adminToken(),
    { event_name: name, date: today, ...extra },
  );
  expect(status).toBe(201);
  return body;
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack(),
    launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${cameraVideo}`,
    ]),
  ]);
  web = await serveApp(stack.gatewayUrl, stack.frontendDir);
}, 180_000);

afterAll(async () => {
  const ended = (stack as Stack | undefined)?.exitCode();
  if (ended !== undefined) {
    console.error(`the stack ended early: ${ended}\n${stack.output()}`);
  }
  for (const context of contexts) await context.close().catch(() => undefined);
  // Undefined when beforeAll failed half-way.
  await (browser as Browser | undefined)?.close();
  await (web as WebServer | undefined)?.stop();
  await (stack as Stack | undefined)?.stop();
  for (const path of temporary) await rm(path, { recursive: true, force: true });
}, 60_000);

describe('the web app in Chromium against the real stack', () => {
  it('register → login → admin creates an event → user checks in by pasting the QR text → admin sees it in the report, changes its status → CSV downloads', async () => {
    // A visitor registers, on a phone.
    userPage = await newPage(browser, PHONE);
    await userPage.goto(url('/register'));
    await userPage.getByLabel('Email').fill(user.email);
    await userPage.getByLabel('First name').fill(user.name);
    await userPage.getByLabel('Last name').fill(user.surname);
    await userPage.getByLabel('Password', { exact: true }).fill(user.password);
    await screenshot(userPage, '01-register');
    await userPage.getByRole('button', { name: 'Register' }).click();

    // …and signs in: the login page says so in the app's words, with the email filled in.
    await seeText(userPage, 'Registration complete. You can sign in now.');
    expect(await userPage.getByLabel('Email or username').inputValue()).toBe(user.email);
    await userPage.getByLabel('Password', { exact: true }).fill('wrong-password');
    await userPage.getByRole('button', { name: 'Sign in' }).click();
    await seeText(userPage, 'Wrong email, username or password.');
    await screenshot(userPage, '02-login');
    await userPage.getByLabel('Password', { exact: true }).fill(user.password);
    await userPage.getByRole('button', { name: 'Sign in' }).click();
    await userPage.waitForURL(/#\/check-in$/);

    // The admin creates an event on a desktop.
    adminPage = await newPage(browser, { viewport: { width: 1280, height: 900 } });
    await signIn(adminPage, stack.admin.email, stack.admin.password);
    await adminPage.waitForURL(/#\/admin\/events$/);
    await adminPage.getByLabel('Event name').fill(eventName);
    await adminPage.getByRole('button', { name: 'Create event' }).click();
    await seeText(adminPage, 'Event created:');
    await adminPage.getByRole('img', { name: `QR code for ${eventName}` }).waitFor();
    await adminPage.getByText('QR text (for the paste fallback)').click();
    const qrText = await adminPage.getByLabel('QR text', { exact: true }).inputValue();
    expect(JSON.parse(qrText)).toMatchObject({ type: 'attendance_qr', version: '1.0' });
    await adminPage.getByRole('row', { name: new RegExp(eventName) }).waitFor();
    await screenshot(adminPage, '03-admin-events');
    eventId =
      /\(([a-z0-9-]+)\)/.exec(
        (await adminPage.getByRole('status').first().textContent()) ?? '',
      )?.[1] ?? '';
    expect(eventId).toMatch(/^demo-/);

    // Full-screen QR page.
    await adminPage.getByRole('link', { name: 'Show the QR full screen' }).click();
    await adminPage.getByRole('img', { name: `QR code to check in to ${eventName}` }).waitFor();
    await seeText(adminPage, 'This code does not change.');
    await screenshot(adminPage, '04-event-qr');

    // The user pastes the QR text.
    await userPage.getByLabel('QR text', { exact: true }).fill(qrText);
    await userPage.getByRole('button', { name: 'Check in', exact: true }).click();
    await seeText(userPage, `Checked in: ${eventName}`);
    await seeText(userPage, eventName);
    await screenshot(userPage, '05-check-in');
    // A second check-in is refused, in the app's words for the API's code.
    await userPage.getByLabel('QR text', { exact: true }).fill(qrText);
    await userPage.getByRole('button', { name: 'Check in', exact: true }).click();
    await seeText(userPage, 'You have already checked in to this event.');

    // The admin sees the check-in in the report…
    await adminPage.getByRole('link', { name: 'Report' }).click();
    await adminPage.getByRole('heading', { name: `Report: ${eventName}` }).waitFor();
    const row = adminPage.getByRole('row', { name: new RegExp(who) });
    await row.waitFor();
    expect(await row.getByRole('cell').first().textContent()).toBe('Present');
    // …changes its status, with a reason…
    const form = adminPage.getByRole('form', { name: `Status of ${who}` });
    await form.getByLabel(`New status for ${who}`).selectOption('hospital');
    await form.getByLabel(`Reason for ${who}`).fill('ricovero');
    await form.getByRole('button', { name: 'Save' }).click();
    await seeText(adminPage, 'Status saved: Hospital');
    await adminPage.waitForFunction(
      (name) =>
        [...document.querySelectorAll('tbody tr')].some(
          (tr) =>
            tr.textContent.includes(name) && tr.querySelector('td')?.textContent === 'Hospital',
        ),
      who,
    );
    await screenshot(adminPage, '06-event-report');

    // …and downloads the CSV.
    const [download] = await Promise.all([
      adminPage.waitForEvent('download'),
      adminPage.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`attendance-${eventId}.csv`);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'user_id,name,surname,status,motivazione,scanned_at,updated_at,updated_by',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\d+,Ada,Lovelace,hospital,ricovero,\d{4}-\d\d-\d\dT/);

    // The user's own history shows the new status.
    await nav(userPage, 'My attendance').click();
    const mine = userPage.getByRole('row', { name: new RegExp(eventName) });
    await mine.waitFor();
    expect(await mine.textContent()).toContain('Hospital');
    await seeText(userPage, /Hospital at Demo/);
    await screenshot(userPage, '07-attendance');

    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 90_000);

  it('keeps the access token in memory only, restores the session on reload, refreshes it silently before expiry, and logout forgets both tokens', async () => {
    // What this tab stores: the refresh token and the tab's id, never the access token.
    const sent: string[] = [];
    userPage.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (authorization) sent.push(authorization.replace(/^Bearer /, ''));
    });
    await nav(userPage, 'Profile').click();
    await seeText(userPage, user.email);
    const accessToken = sent.at(-1) ?? '';
    expect(accessToken.split('.')).toHaveLength(3);
    const stored = () =>
      userPage.evaluate(() => {
        const session: Record<string, string> = {};
        for (let i = 0; i < sessionStorage.length; i++) {
          const key = sessionStorage.key(i);
          if (key !== null) session[key] = sessionStorage.getItem(key) ?? '';
        }
        return { session, local: localStorage.length, cookie: document.cookie };
      });
    const before = await stored();
    expect(Object.keys(before.session).sort()).toEqual([
      'cloud-backend.refresh-token',
      'cloud-backend.tab-id',
    ]);
    expect(JSON.stringify(before)).not.toContain(accessToken);
    expect(before.local).toBe(0);
    expect(before.cookie).toBe('');
    await screenshot(userPage, '08-profile');

    // A reload spends the refresh token once for a new pair; the page stays signed in.
    const refreshed = userPage.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
    await userPage.reload();
    expect((await refreshed).status()).toBe(200);
    await seeText(userPage, user.email);
    const after = await stored();
    expect(after.session['cloud-backend.refresh-token']).not.toBe(
      before.session['cloud-backend.refresh-token'],
    );
    expect(after.session['cloud-backend.tab-id']).toBe(before.session['cloud-backend.tab-id']);
    // The spent refresh token is dead: presenting it again revokes that session (reuse
    // detection), which is why the app never sends one twice.
    const spent = before.session['cloud-backend.refresh-token'];

    // Silent refresh: a second tab of the same user, with the browser's clock under control.
    const clockPage = await newPage(browser, PHONE);
    await clockPage.clock.install();
    await signIn(clockPage, user.email, user.password);
    const firstRefresh = await clockPage.evaluate(() =>
      sessionStorage.getItem('cloud-backend.refresh-token'),
    );
    const silent = clockPage.waitForResponse((r) => r.url().endsWith('/auth/refresh'));
    // 24 h tokens are refreshed one minute before they expire.
    await clockPage.clock.fastForward('23:59:30');
    expect((await silent).status()).toBe(200);
    await clockPage.waitForFunction(
      (old) => sessionStorage.getItem('cloud-backend.refresh-token') !== old,
      firstRefresh,
    );
    await nav(clockPage, 'Profile').click();
    await seeText(clockPage, user.email);

    // Logout ends the session at auth-service and forgets both tokens here.
    const current = after.session['cloud-backend.refresh-token'];
    await nav(userPage, 'Sign out').click();
    await seeText(userPage, 'You are signed out');
    await screenshot(userPage, '09-logout');
    expect((await stored()).session['cloud-backend.refresh-token']).toBeUndefined();
    for (const token of [current, spent]) {
      const { status } = await apiCall('POST', '/auth/refresh', undefined, {
        refresh_token: token,
      });
      expect(status).toBe(401);
    }
    // The other tab's session is its own, and still works.
    await nav(clockPage, 'My attendance').click();
    await clockPage.getByRole('row', { name: new RegExp(eventName) }).waitFor();

    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it('checks in with the camera (Chromium showing the QR to a fake camera) and with a picture', async () => {
    const byCamera = await createEvent(`Camera ${stamp}`);
    const byPicture = await createEvent(`Picture ${stamp}`);
    await rm(cameraDir, { recursive: true, force: true });
    await mkdir(cameraDir, { recursive: true });
    await writeQrVideo(cameraVideo, byCamera.qr_content);
    const picture = join(cameraDir, 'qr.png');
    await writeFile(picture, Buffer.from(byPicture.qr_image_base64.split(',')[1] ?? '', 'base64'));

    const page = await newPage(browser, PHONE);
    await page.context().grantPermissions(['camera'], { origin: web.url });
    await signIn(page, user.email, user.password);
    await page.waitForURL(/#\/check-in$/);

    await page.getByRole('button', { name: 'Start the camera' }).click();
    await seeText(page, 'Checked in:');
    await seeText(page, byCamera.event_name);
    // The camera is released once the code is read.
    expect(
      await page.evaluate(() => document.querySelector('video')?.srcObject ?? null),
    ).toBeNull();
    await screenshot(page, '10-check-in-camera');

    await page.getByLabel('Or take or choose a picture of the QR code').setInputFiles(picture);
    await seeText(page, byPicture.event_name);
    await seeText(page, 'Checked in:');

    await nav(page, 'My attendance').click();
    for (const name of [eventName, byCamera.event_name, byPicture.event_name]) {
      await page.getByRole('row', { name: new RegExp(name) }).waitFor();
    }
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it("opens the QR page's check-in URL on a signed-out phone: sign in, then checked in without a tap", async () => {
    const event = await createEvent(`Link ${stamp}`);
    await adminPage.goto(url(`/admin/events/${encodeURIComponent(event.event_id)}/qr`));
    const image = adminPage.getByRole('img', {
      name: `QR code to check in to ${event.event_name}`,
    });
    await image.waitFor();
    // The camera code by default: the check-in URL on the origin the admin uses.
    const link = (await image.getAttribute('data-qr-content')) ?? '';
    expect(link).toMatch(new RegExp(`^${web.url}/#/c/[A-Za-z0-9_-]{23}$`));
    // The original's code, for its mobile app, one click away.
    await adminPage.getByRole('button', { name: "Show the mobile app's code" }).click();
    expect(JSON.parse((await image.getAttribute('data-qr-content')) ?? '')).toMatchObject({
      type: 'attendance_qr',
    });

    const phone = await newPage(browser, PHONE);
    await phone.goto(link);
    await seeText(phone, 'Sign in to continue.');
    await phone.getByLabel('Email or username').fill(user.email);
    await phone.getByLabel('Password', { exact: true }).fill(user.password);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await seeText(phone, 'Checked in:');
    await seeText(phone, event.event_name);
    expect(phone.url()).toBe(link);
    await screenshot(phone, '10b-check-in-link');
    // Back to a page with the navigation, where the next scenarios expect the admin.
    await adminPage.goto(url('/admin/events'));
    await nav(adminPage, 'Events').waitFor();
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it('shows a rotating QR full screen and replaces it when it rotates; the new code checks in', async () => {
    const name = `Rotating ${stamp}`;
    await nav(adminPage, 'Events').click();
    await adminPage.getByLabel('Event name').fill(name);
    await adminPage.getByLabel(/Rotating QR code/).check();
    await adminPage.getByLabel('Seconds between codes').fill('10');
    await adminPage.getByRole('button', { name: 'Create event' }).click();
    await seeText(adminPage, 'Event created:');
    await adminPage.getByRole('link', { name: 'Show the QR full screen' }).click();
    const image = adminPage.getByRole('img', { name: `QR code to check in to ${name}` });
    await image.waitFor();
    await seeText(adminPage, /New code in \d+ s/);
    const first = await image.getAttribute('data-qr-content');

    await adminPage.getByRole('button', { name: 'Full screen' }).click();
    await adminPage.waitForFunction(() => document.fullscreenElement !== null);
    await screenshot(adminPage, '11-event-qr-rotating-full-screen');

    // Within one period (10 s) the page shows the next code, without a reload.
    await adminPage.waitForFunction(
      (old) => document.querySelector('img.qr-big')?.getAttribute('data-qr-content') !== old,
      first,
      { timeout: 15_000 },
    );
    await seeText(adminPage, 'QR code updated (1)');
    await adminPage.getByRole('button', { name: 'Leave full screen (Esc)' }).click();
    await adminPage.waitForFunction(() => document.fullscreenElement === null);
    const current = (await image.getAttribute('data-qr-content')) ?? '';
    expect(current).not.toBe(first);

    const page = await newPage(browser, PHONE);
    await signIn(page, user.email, user.password);
    await page.getByLabel('QR text', { exact: true }).fill(current);
    await page.getByRole('button', { name: 'Check in', exact: true }).click();
    await seeText(page, 'Checked in:');
    await seeText(page, name);
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it('admin pages: users and roles, auth logs with filters, social log, audit trail with the chain check', async () => {
    // A second account to promote and delete.
    const extra = { email: `grace.${stamp}@example.com`, name: 'Grace', surname: 'Hopper' };
    const created = await apiCall('POST', '/auth/register', undefined, {
      ...extra,
      password: 'grace-password-1',
    });
    expect(created.status).toBe(201);

    await adminPage.goto(url('/admin/users'));
    await adminPage.getByLabel('Search').fill('grace');
    await adminPage.getByRole('button', { name: 'Search' }).click();
    const row = adminPage.getByRole('row', { name: /Grace Hopper/ });
    await row.waitFor();
    await row.getByLabel('Role of Grace Hopper').first().selectOption('admin');
    await row.getByRole('button', { name: 'Save role' }).click();
    await seeText(adminPage, 'Role changed: Grace Hopper is now admin');
    await adminPage.getByLabel('Search').fill('');
    await adminPage.getByRole('button', { name: 'Search' }).click();
    await adminPage.getByRole('row', { name: new RegExp(who) }).waitFor();
    await screenshot(adminPage, '12-users');
    // The admin cannot delete their own account: the API says so.
    const self = adminPage.getByRole('row', { name: /Admin User/ });
    await self.getByRole('button', { name: 'Delete' }).click();
    await self.getByRole('button', { name: /Yes, delete/ }).click();
    await seeText(adminPage, 'You cannot delete your own account.');
    const grace = adminPage.getByRole('row', { name: /Grace Hopper/ });
    await grace.getByRole('button', { name: 'Delete' }).click();
    await grace.getByRole('button', { name: 'Yes, delete Grace Hopper' }).click();
    await seeText(adminPage, 'User deleted: Grace Hopper');

    await nav(adminPage, 'Auth logs').click();
    await adminPage.getByLabel('Action').selectOption('login_failed_wrong_password');
    await adminPage.getByRole('button', { name: 'Apply filters' }).click();
    await seeText(adminPage, /^1 entry · 0 successes · 1 failure · 1 user$/);
    await adminPage.getByRole('row', { name: new RegExp(user.email) }).waitFor();
    await screenshot(adminPage, '13-auth-logs');

    await nav(adminPage, 'Social log').click();
    await adminPage.getByLabel('Social network', { exact: true }).first().fill('instagram');
    await adminPage.getByLabel('Content').fill(`Event ${eventName} went well`);
    await adminPage.getByLabel('Status', { exact: true }).first().fill('published');
    await adminPage.getByRole('button', { name: 'Save entry' }).click();
    await seeText(adminPage, /Saved as entry #\d+/);
    await adminPage
      .getByRole('row', { name: new RegExp(`Event ${eventName} went well`) })
      .waitFor();
    await screenshot(adminPage, '14-social-log');

    await nav(adminPage, 'Audit trail').click();
    await adminPage.getByRole('button', { name: 'Verify the chain' }).click();
    await seeText(adminPage, 'Chain intact');
    // Audit events arrive through the services' outboxes: the check-in is there shortly.
    await adminPage.getByLabel('Action').fill('attendance.status_changed');
    for (let attempt = 0; ; attempt++) {
      await adminPage.getByRole('button', { name: 'Apply filters' }).click();
      try {
        await adminPage
          .getByRole('row', { name: /attendance\.status_changed/ })
          .first()
          .waitFor({ timeout: 2000 });
        break;
      } catch (err) {
        if (attempt === 10) throw err;
      }
    }
    await adminPage.getByLabel('Action').fill('');
    await adminPage.getByRole('button', { name: 'Apply filters' }).click();
    await adminPage
      .getByRole('row', { name: /user\.registered/ })
      .first()
      .waitFor();
    await screenshot(adminPage, '15-audit');
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it('change password: the API refuses a wrong one; a right one ends the other sessions, and their next call sends them to sign in', async () => {
    const other = await newPage(browser, PHONE);
    await signIn(other, user.email, user.password);

    const page = await newPage(browser, PHONE);
    await signIn(page, user.email, user.password);
    await nav(page, 'Profile').click();
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password').fill('user-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await seeText(page, 'The current password is wrong.');
    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await seeText(page, /Password changed\. \d+ other sessions? ended\./);
    await screenshot(page, '16-password');
    user.password = 'user-password-2';

    // The other tab's token is revoked: its next call gets 401, its refresh is refused, and
    // it asks to sign in again with the API's reason.
    await nav(other, 'Profile').click();
    await seeText(other, 'Your session has expired or was ended. Please sign in again.');
    await other.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(
      await other.evaluate(() => sessionStorage.getItem('cloud-backend.refresh-token')),
    ).toBeNull();
    // This tab carries on.
    await nav(page, 'My attendance').click();
    await page.getByRole('row', { name: new RegExp(eventName) }).waitFor();
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it('works with the keyboard and on a phone: skip link, visible focus, no sideways scrolling', async () => {
    const page = await newPage(browser, PHONE);
    await page.goto(url('/login'));
    await page.keyboard.press('Tab');
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        const style = element ? getComputedStyle(element) : null;
        return {
          text: element?.textContent.trim() ?? '',
          tag: element?.tagName ?? '',
          name: element?.getAttribute('name') ?? '',
          outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '',
        };
      });
    expect(await focused()).toMatchObject({ text: 'Skip to content', outline: 'solid 3px' });
    await page.keyboard.press('Enter');
    // From the main content, the first field is one Tab away.
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({
      tag: 'INPUT',
      name: 'identifier',
      outline: 'solid 3px',
    });
    await page.keyboard.type(user.email);
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ name: 'password' });
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/check-in$/);
    // After a navigation the focus is on the new page's heading, for screen readers.
    await nav(page, 'My attendance').click();
    await page.waitForFunction(() => document.activeElement?.id === 'page-title');

    const admin = await newPage(browser, PHONE);
    await signIn(admin, stack.admin.email, stack.admin.password);
    for (const [target, hash] of [
      [page, '/check-in'],
      [page, '/attendance'],
      [page, '/profile'],
      [admin, '/admin/events'],
      [admin, `/admin/events/${eventId}`],
      [admin, '/admin/users'],
      [admin, '/admin/auth-logs'],
      [admin, '/admin/audit'],
    ] as const) {
      await target.goto(url(hash));
      await target.locator('#page-title').waitFor();
      await target.waitForLoadState('networkidle');
      const overflow = await target.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect({ hash, overflow }).toEqual({ hash, overflow: 0 });
    }
    await screenshot(admin, '17-phone-admin-audit', false);
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 60_000);

  it('every page in Italian and in English: no word of the other language, the choice remembered', async () => {
    const { body: signedIn } = await apiCall<SessionReply>('POST', '/auth/login', undefined, {
      email: user.email,
      password: user.password,
    });
    const userId = String(signedIn.user.id);
    const misses: string[] = [];
    let visited = 0;

    for (const [language, locale] of [
      ['it', 'it-IT'],
      ['en', 'en-GB'],
    ] as const) {
      // The browser's language decides; nothing is stored yet.
      const page = await newPage(browser, { locale, viewport: { width: 1280, height: 900 } });
      const api = watchApi(page);
      const settled = async (hash: string) => {
        await page.waitForFunction(
          () =>
            document.getElementById('page-title') !== null &&
            ![...document.querySelectorAll('[role="status"]')].some((e) =>
              e.textContent.trim().endsWith('…'),
            ),
        );
        await expect.poll(() => api.pending.size, { timeout: 15_000 }).toBe(0);
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(language);
        const shown = await pageStrings(page);
        expect(shown.length, hash).toBeGreaterThan(3);
        for (const miss of foreignWords(language, shown, api.data)) {
          misses.push(`${language} #${hash}: ${miss}`);
        }
        visited += 1;
      };
      const visit = async (hash: string) => {
        await page.evaluate((target) => {
          window.location.hash = target;
        }, hash);
        await settled(hash);
      };
      const submit = () => page.locator('main form button[type="submit"]').first().click();

      await page.goto(url('/login'));
      await settled('/login');
      // A refused sign-in: the API's code in the page's language.
      await page.locator('input[name="identifier"]').fill(user.email);
      await page.locator('input[name="password"]').fill('not-the-password');
      await submit();
      await page.locator('main [role="alert"]').waitFor();
      await settled('/login (refused)');
      await visit('/register');
      await visit('/nowhere');
      await visit('/login');
      await page.locator('input[name="identifier"]').fill(stack.admin.email);
      await page.locator('input[name="password"]').fill(stack.admin.password);
      await submit();
      await page.waitForURL(/#\/admin\/events$/);
      await settled('/admin/events');
      for (const hash of [
        `/admin/events/${eventId}`,
        '/admin/users',
        '/admin/register',
        '/admin/auth-logs',
        '/admin/audit',
        `/admin/users/${userId}/attendance`,
        '/check-in',
        '/c/not-a-check-in-token',
        '/attendance',
        '/profile',
        '/password',
        '/devices',
        '/two-step',
        '/social',
      ]) {
        await visit(hash);
      }
      // The chain check's answer, and the full-screen QR page (no header).
      await visit('/admin/audit');
      await page.locator('#chain-heading ~ button').click();
      await page.locator('#chain-heading ~ [role="status"] strong').waitFor();
      await settled('/admin/audit (chain checked)');
      await visit(`/admin/events/${eventId}`);
      await screenshot(page, `18-language-${language}`);
      await visit(`/admin/events/${eventId}/qr`);
      await visit('/logout');
    }

    // A user on an admin page, in Italian; then English chosen with the switch, remembered.
    const page = await newPage(browser, { locale: 'it-IT' });
    await page.goto(url('/login'));
    await page.locator('input[name="identifier"]').fill(user.email);
    await page.locator('input[name="password"]').fill(user.password);
    await page.locator('main form button[type="submit"]').click();
    await page.waitForURL(/#\/check-in$/);
    await page.goto(url('/admin/events'));
    await page.getByRole('heading', { name: 'Solo amministratori' }).waitFor();
    misses.push(...foreignWords('it', await pageStrings(page), new Set([user.email])));
    await page
      .getByRole('group', { name: 'Lingua' })
      .getByRole('button', { name: 'English' })
      .click();
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.title()).toBe('Administrators only · Attendance');
    expect(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    // A reload (the session restored from this tab's refresh token) keeps the choice.
    await page.reload();
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('cloud-backend.language'))).toBe('en');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');

    expect(misses).toEqual([]);
    expect(visited).toBeGreaterThanOrEqual(2 * 22);
    expect(checks.flatMap((check) => check())).toEqual([]);
  }, 120_000);

  it('shows a new check-in on the open report and QR pages without a reload, also when another user-service replica recorded it', async () => {
    // A second user-service on the same database; the gateway, and so the admin's stream,
    // stays on the first.
    const replica = await startUserReplica(stack);
    try {
      const event = await createEvent(`Live ${stamp}`);
      const attendees = [
        { name: 'Marie', surname: `Curie ${stamp}` },
        { name: 'Emmy', surname: `Noether ${stamp}` },
      ];
      const tokens: string[] = [];
      for (const [i, attendee] of attendees.entries()) {
        const email = `live${String(i)}.${stamp}@example.com`;
        const password = 'live-password-1';
        const registered = await apiCall('POST', '/auth/register', undefined, {
          ...attendee,
          email,
          password,
        });
        expect(registered.status).toBe(201);
        const { body } = await apiCall<SessionReply>('POST', '/auth/login', undefined, {
          email,
          password,
        });
        tokens.push(body.access_token);
      }
      const scanBody = JSON.stringify({ qr_content: JSON.parse(event.qr_content) as unknown });

      // The admin's report and full-screen QR page, each in its own tab, each following the
      // event's live stream once it answers.
      const desktop = { viewport: { width: 1280, height: 900 } };
      const pages = [await newPage(browser, desktop), await newPage(browser, desktop)] as const;
      const [report, qr] = pages;
      const id = encodeURIComponent(event.event_id);
      for (const [page, hash] of [
        [report, `/admin/events/${id}`],
        [qr, `/admin/events/${id}/qr`],
      ] as const) {
        await signIn(page, stack.admin.email, stack.admin.password);
        const streaming = page.waitForResponse(
          (r) => r.url().endsWith(`/events/${id}/live`) && r.status() === 200,
        );
        await page.goto(url(hash));
        await streaming;
        await page.locator('#page-title').waitFor();
      }
      await qr.locator('.live-state.live').waitFor();
      await qr.locator('.live-count strong', { hasText: /^0$/ }).waitFor();
      // Set once: a reload or a navigation to another document would lose it.
      for (const page of pages) {
        await page.evaluate((mark) => Object.assign(window, { liveTestMark: mark }), stamp);
      }
      const shownUrls = pages.map((page) => page.url());

      const seeCheckIn = async (index: number) => {
        const who = `${attendees[index]?.name ?? ''} ${attendees[index]?.surname ?? ''}`;
        await qr
          .locator('.live-count strong', { hasText: new RegExp(`^${String(index + 1)}$`) })
          .waitFor();
        await qr.locator('.live-recent li', { hasText: who }).waitFor();
        await report.getByRole('row', { name: new RegExp(who) }).waitFor();
      };

      // A check-in through the gateway, to the replica that holds the stream…
      const first = await apiCall('POST', '/user/qr/scan', tokens[0], JSON.parse(scanBody));
      expect(first.status).toBe(201);
      await seeCheckIn(0);
      // …and one sent to the other replica: it reaches the stream through the database.
      const second = await fetch(`${replica.url}/qr/scan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[1] ?? ''}` },
        body: scanBody,
      });
      expect(second.status).toBe(201);
      await seeCheckIn(1);
      expect(await report.locator('tbody tr').count()).toBe(2);
      expect(await qr.locator('.live-recent li').count()).toBe(2);
      await screenshot(qr, '18-live-qr');
      await screenshot(report, '19-live-report');

      // Neither page was reloaded nor left.
      for (const [i, page] of pages.entries()) {
        expect(page.url()).toBe(shownUrls[i]);
        expect(await page.evaluate(() => (window as { liveTestMark?: string }).liveTestMark)).toBe(
          stamp,
        );
      }
      expect(checks.flatMap((check) => check())).toEqual([]);
    } finally {
      await replica.stop();
    }
  }, 120_000);
});
