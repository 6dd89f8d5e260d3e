import { api } from '../context.js';
import { ErrorBox, formatDateTime, Notice, PageTitle, useLoad } from '../components/ui.js';
import { href } from '../router.js';

export function ProfilePage() {
  const { data: me, error, loading } = useLoad(() => api.me(), []);
  return (
    <section class="narrow">
      <PageTitle>Profile</PageTitle>
      <ErrorBox error={error} />
      {loading && !me && <Notice>Loading…</Notice>}
      {me && (
        <dl class="facts">
          <dt>Name</dt>
          <dd>
            {me.name} {me.surname}
          </dd>
          <dt>Email</dt>
          <dd>{me.email || '—'}</dd>
          <dt>Username</dt>
          <dd>{me.username}</dd>
          <dt>Role</dt>
          <dd>{me.role}</dd>
          <dt>User id</dt>
          <dd>{me.id}</dd>
          <dt>Registered</dt>
          <dd>{formatDateTime(me.created_at)}</dd>
          <dt>Last sign-in</dt>
          <dd>{formatDateTime(me.last_login)}</dd>
        </dl>
      )}
      <p class="actions">
        <a class="button" href={href('/password')}>
          Change password
        </a>
        <a class="button" href={href('/devices')}>
          Signed-in devices
        </a>
        <a class="button" href={href('/two-step')}>
          Two-step sign-in
        </a>
        <a class="button" href={href('/logout')}>
          Sign out
        </a>
      </p>
    </section>
  );
}
