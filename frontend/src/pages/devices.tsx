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
      (r) => r.message,
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
      (r) => `Signed out ${String(r.sessions_revoked ?? 0)} other device(s)`,
    );
    if (done) reload();
  };

  const sessions = data?.sessions ?? [];
  const others = sessions.filter((row) => !row.current).length;
  return (
    <section>
      <PageTitle>Signed-in devices</PageTitle>
      <p>Each place you signed in from. End any you do not recognise, then change your password.</p>
      <ErrorBox error={error ?? action.error} />
      <Notice>{action.message}</Notice>
      {loading && !data && <Notice>Loading…</Notice>}
      {data && (
        <TableWrap label="Signed-in devices">
          <table>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((row) => (
                <tr key={row.id}>
                  <td title={row.user_agent ?? ''}>
                    {deviceName(row.user_agent)}
                    {row.current && <strong> (this device)</strong>}
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
                      {row.current ? 'Sign out' : 'End session'}
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
            Sign out all other devices
          </button>
        </p>
      )}
    </section>
  );
}
