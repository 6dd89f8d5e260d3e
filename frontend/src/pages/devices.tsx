import { api, session } from '../context.js';
import {
  ErrorBox,
  formatDateTime,
  Notice,
  PageTitle,
  TableWrap,
  useAction,
  useLoad,
} from '../components/ui.js';
import { deviceName } from '../api/sign-in.js';
import { navigate } from '../router.js';
import { t } from '../i18n/i18n.js';

/**
 * Signed-in devices: every live session of the account (docs/security.md, "Signed-in
 * devices"). Ending one signs that device out; the gateway refuses its token within seconds.
 */
export function DevicesPage() {
  const { data, error, loading, reload } = useLoad(() => api.sessions(), []);
  const action = useAction();

  const end = async (id: string, current: boolean) => {
    const done = await action.run(
      () => api.endSession(id),
      () => t('devices.ended'),
    );
    if (!done) return;
    if (current) {
      session.end();
      navigate('/login');
      return;
    }
    reload();
  };
  const endOthers = async () => {
    const done = await action.run(
      () => api.logoutOthers(),
      (r) => t('devices.endedOthers', { count: r.sessions_revoked ?? 0 }),
    );
    if (done) reload();
  };

  const sessions = data?.sessions ?? [];
  const others = sessions.filter((row) => !row.current).length;
  return (
    <section>
      <PageTitle>{t('devices.title')}</PageTitle>
      <p>{t('devices.intro')}</p>
      <ErrorBox error={error ?? action.error} />
      <Notice>{action.message}</Notice>
      {loading && !data && <Notice>{t('common.loading')}</Notice>}
      {data && (
        <TableWrap label={t('devices.title')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('devices.device')}</th>
                <th scope="col">{t('devices.address')}</th>
                <th scope="col">{t('devices.signedIn')}</th>
                <th scope="col">{t('devices.lastUsed')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('devices.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((row) => (
                <tr key={row.id}>
                  <td title={row.user_agent ?? ''}>
                    {deviceName(row.user_agent)}
                    {row.current && <strong> {t('devices.thisDevice')}</strong>}
                  </td>
                  <td>{row.ip_address ?? '—'}</td>
                  <td>{formatDateTime(row.created_at)}</td>
                  <td>{formatDateTime(row.last_used_at)}</td>
                  <td>
                    <button
                      type="button"
                      class={row.current ? undefined : 'danger'}
                      disabled={action.busy}
                      onClick={() => void end(row.id, row.current)}
                    >
                      {row.current ? t('devices.signOut') : t('devices.end')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {others > 0 && (
        <p class="actions">
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() => void endOthers()}
          >
            {t('devices.endOthers')}
          </button>
        </p>
      )}
    </section>
  );
}
