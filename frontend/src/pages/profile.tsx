import { api } from '../context.js';
import { ErrorBox, formatDateTime, Notice, PageTitle, useLoad } from '../components/ui.js';
import { href } from '../router.js';
import { t } from '../i18n/i18n.js';
import { roleLabel } from '../components/labels.js';

export function ProfilePage() {
  const { data: me, error, loading } = useLoad(() => api.me(), []);
  return (
    <section class="narrow">
      <PageTitle>{t('profile.title')}</PageTitle>
      <ErrorBox error={error} />
      {loading && !me && <Notice>{t('common.loading')}</Notice>}
      {me && (
        <dl class="facts">
          <dt>{t('profile.name')}</dt>
          <dd>
            {me.name} {me.surname}
          </dd>
          <dt>{t('common.email')}</dt>
          <dd>{me.email || '—'}</dd>
          <dt>{t('profile.username')}</dt>
          <dd>{me.username}</dd>
          <dt>{t('profile.role')}</dt>
          <dd>{roleLabel(me.role)}</dd>
          <dt>{t('common.userId')}</dt>
          <dd>{me.id}</dd>
          <dt>{t('profile.registered')}</dt>
          <dd>{formatDateTime(me.created_at)}</dd>
          <dt>{t('profile.lastSignIn')}</dt>
          <dd>{formatDateTime(me.last_login)}</dd>
        </dl>
      )}
      <p class="actions">
        <a class="button" href={href('/password')}>
          {t('profile.changePassword')}
        </a>
        <a class="button" href={href('/devices')}>
          {t('profile.devices')}
        </a>
        <a class="button" href={href('/two-step')}>
          {t('profile.twoStep')}
        </a>
        <a class="button" href={href('/logout')}>
          {t('profile.signOut')}
        </a>
      </p>
    </section>
  );
}
