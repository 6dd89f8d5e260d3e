import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionState } from './api/session.js';
import { session } from './context.js';
import { Notice, PageTitle } from './components/ui.js';
import { AuditPage } from './pages/admin/audit.js';
import { AuthLogsPage } from './pages/admin/auth-logs.js';
import { EventQrPage } from './pages/admin/event-qr.js';
import { EventReportPage } from './pages/admin/event-report.js';
import { EventsPage } from './pages/admin/events.js';
import { PersonAttendancePage } from './pages/admin/person-attendance.js';
import { AttendanceRegisterPage } from './pages/admin/register.js';
import { UsersPage } from './pages/admin/users.js';
import { AttendancePage } from './pages/attendance.js';
import { CheckInLinkPage } from './pages/c.js';
import { CheckInPage } from './pages/check-in.js';
import { DevicesPage } from './pages/devices.js';
import { LoginPage } from './pages/login.js';
import { LogoutPage } from './pages/logout.js';
import { PasswordPage } from './pages/password.js';
import { ProfilePage } from './pages/profile.js';
import { RegisterPage } from './pages/register.js';
import { SocialLogPage } from './pages/social-log.js';
import { TwoStepPage } from './pages/two-step.js';
import { href, match, useLocation, type Location } from './router.js';
import { t, useLanguage } from './i18n/i18n.js';
import { LanguageSwitch } from './i18n/language-switch.js';
import { useEventTimeZone } from './i18n/use-event-time-zone.js';

export function useSession(): SessionState {
  const [state, setState] = useState(session.current);
  useEffect(() => session.subscribe(setState), []);
  return state;
}

type Access = 'public' | 'user' | 'admin';

interface RouteDefinition {
  pattern: string;
  access: Access;
  render: (params: Record<string, string>, location: Location) => JSX.Element;
  /** Pages shown without the header and navigation (the full-screen QR). */
  bare?: boolean;
}

const ROUTES: RouteDefinition[] = [
  { pattern: '/login', access: 'public', render: (_p, l) => <LoginPage location={l} /> },
  { pattern: '/register', access: 'public', render: () => <RegisterPage /> },
  { pattern: '/logout', access: 'public', render: () => <LogoutPage /> },
  { pattern: '/check-in', access: 'user', render: () => <CheckInPage /> },
  // An event's check-in URL (README.md, "Check-in URL"); signed out, the sign-in form comes first.
  {
    pattern: '/c/:token',
    access: 'user',
    render: (p) => <CheckInLinkPage token={p.token ?? ''} />,
  },
  { pattern: '/attendance', access: 'user', render: () => <AttendancePage /> },
  { pattern: '/profile', access: 'user', render: () => <ProfilePage /> },
  { pattern: '/password', access: 'user', render: () => <PasswordPage /> },
  { pattern: '/devices', access: 'user', render: () => <DevicesPage /> },
  { pattern: '/two-step', access: 'user', render: () => <TwoStepPage /> },
  { pattern: '/social', access: 'user', render: () => <SocialLogPage /> },
  { pattern: '/admin/events', access: 'admin', render: () => <EventsPage /> },
  {
    pattern: '/admin/events/:id',
    access: 'admin',
    render: (p) => <EventReportPage eventId={p.id ?? ''} />,
  },
  {
    pattern: '/admin/events/:id/qr',
    access: 'admin',
    render: (p) => <EventQrPage eventId={p.id ?? ''} />,
    bare: true,
  },
  { pattern: '/admin/users', access: 'admin', render: () => <UsersPage /> },
  { pattern: '/admin/auth-logs', access: 'admin', render: () => <AuthLogsPage /> },
  { pattern: '/admin/audit', access: 'admin', render: () => <AuditPage /> },
  { pattern: '/admin/register', access: 'admin', render: () => <AttendanceRegisterPage /> },
  {
    pattern: '/admin/users/:id/attendance',
    access: 'admin',
    render: (p, l) => <PersonAttendancePage userId={p.id ?? ''} location={l} />,
  },
];

function NavLink({ to, current, children }: { to: string; current: string; children: string }) {
  const active = current === to || (to !== '/' && current.startsWith(`${to}/`));
  return (
    <li>
      <a href={href(to)} aria-current={active ? 'page' : undefined}>
        {children}
      </a>
    </li>
  );
}

function Navigation({ state, path }: { state: SessionState; path: string }) {
  const user = state.user;
  return (
    <nav aria-label={t('app.mainNav')}>
      <ul class="nav">
        {!user && (
          <>
            <NavLink to="/login" current={path}>
              {t('nav.signIn')}
            </NavLink>
            <NavLink to="/register" current={path}>
              {t('nav.register')}
            </NavLink>
          </>
        )}
        {user && (
          <>
            <NavLink to="/check-in" current={path}>
              {t('nav.checkIn')}
            </NavLink>
            <NavLink to="/attendance" current={path}>
              {t('nav.attendance')}
            </NavLink>
            {user.role === 'admin' && (
              <>
                <NavLink to="/admin/events" current={path}>
                  {t('nav.events')}
                </NavLink>
                <NavLink to="/admin/register" current={path}>
                  {t('nav.attendanceRegister')}
                </NavLink>
                <NavLink to="/admin/users" current={path}>
                  {t('nav.users')}
                </NavLink>
                <NavLink to="/admin/auth-logs" current={path}>
                  {t('nav.authLogs')}
                </NavLink>
                <NavLink to="/admin/audit" current={path}>
                  {t('nav.audit')}
                </NavLink>
              </>
            )}
            <NavLink to="/social" current={path}>
              {t('nav.social')}
            </NavLink>
            <NavLink to="/profile" current={path}>
              {t('nav.profile')}
            </NavLink>
            <li>
              <a href={href('/logout')}>{t('nav.signOut')}</a>
            </li>
          </>
        )}
      </ul>
    </nav>
  );
}

function Shell({
  state,
  path,
  children,
}: {
  state: SessionState;
  path: string;
  children: ComponentChildren;
}) {
  return (
    <>
      <a class="skip-link" href="#main" onClick={focusMain}>
        {t('app.skip')}
      </a>
      <header class="top">
        <a class="brand" href={href('/')}>
          {t('app.name')}
        </a>
        {state.user && (
          <span class="who">
            {state.user.name} {state.user.surname}
            {state.user.role === 'admin' ? ` ${t('app.admin')}` : ''}
          </span>
        )}
        <LanguageSwitch />
        <Navigation state={state} path={path} />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The skip link moves the focus itself: a hash link would change the route. */
function focusMain(event: MouseEvent) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function Restoring() {
  return (
    <section>
      <PageTitle>{t('app.restoringTitle')}</PageTitle>
      <Notice>{t('app.restoring')}</Notice>
    </section>
  );
}

function Forbidden() {
  return (
    <section>
      <PageTitle>{t('app.forbiddenTitle')}</PageTitle>
      <p>{t('app.forbidden')}</p>
    </section>
  );
}

function NotFound() {
  return (
    <section>
      <PageTitle>{t('app.notFoundTitle')}</PageTitle>
      <p>
        {t('app.notFound')} <a href={href('/')}>{t('app.home')}</a>
      </p>
    </section>
  );
}

/** Replaces the start page's URL with the page it stands for. */
function Redirect({ to }: { to: string }) {
  useEffect(() => {
    window.location.replace(href(to));
  }, [to]);
  return null;
}

function homeFor(state: SessionState): string {
  if (!state.user) return '/login';
  return state.user.role === 'admin' ? '/admin/events' : '/check-in';
}

export function App() {
  const state = useSession();
  const location = useLocation();
  // Every page renders its words with `t`: a new language re-renders the whole app.
  useLanguage();
  useEventTimeZone(state.user !== null);
  const { path } = location;
  const firstRender = useRef(true);

  // After a navigation, move the focus to the new page's heading (not on the first load).
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.getElementById('page-title')?.focus();
  }, [path]);

  if (path === '/') {
    if (state.status === 'restoring') {
      return (
        <Shell state={state} path={path}>
          <Restoring />
        </Shell>
      );
    }
    return <Redirect to={homeFor(state)} />;
  }

  let page: JSX.Element = <NotFound />;
  let bare = false;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    bare = route.bare === true;
    if (route.access === 'public') {
      page = route.render(params, location);
    } else if (state.status === 'restoring') {
      page = <Restoring />;
      bare = false;
    } else if (!state.user) {
      // Sign in here, then carry on to the page asked for.
      page = <LoginPage location={location} next={path} />;
      bare = false;
    } else if (route.access === 'admin' && state.user.role !== 'admin') {
      page = <Forbidden />;
      bare = false;
    } else {
      page = route.render(params, location);
    }
    break;
  }
  if (bare) return <main id="main">{page}</main>;
  return (
    <Shell state={state} path={path}>
      {page}
    </Shell>
  );
}
