import { useFilters } from '../../components/use-filters.js';
import { TimeRangeFields } from '../../components/time-range.js';
import { AUTH_ACTIONS } from '../../components/labels.js';
import { api } from '../../context.js';
import {
  count,
  ErrorBox,
  Field,
  formatDateTime,
  localToIso,
  Notice,
  PageTitle,
  Pager,
  TableWrap,
  useLoad,
} from '../../components/ui.js';

const PAGE_SIZE = 50;
const EMPTY = { email: '', user_id: '', action: '', success: '', from: '', to: '' };

export function AuthLogsPage() {
  const { draft, filter, set, apply, goTo } = useFilters(EMPTY);
  const logs = useLoad(
    () =>
      api.authLogs({
        email: filter.email.trim(),
        user_id: filter.user_id,
        action: filter.action,
        success: filter.success,
        from: localToIso(filter.from),
        to: localToIso(filter.to),
        page: filter.page,
        limit: PAGE_SIZE,
      }),
    [filter],
  );
  const data = logs.data;

  return (
    <section>
      <PageTitle>Auth logs</PageTitle>
      <form class="filters" onSubmit={apply} aria-label="Filter the auth logs">
        <Field label="Email">
          {(a) => (
            <input {...a} name="email" type="text" value={draft.email} onInput={set('email')} />
          )}
        </Field>
        <Field label="User id">
          {(a) => (
            <input
              {...a}
              name="user_id"
              type="number"
              min={1}
              value={draft.user_id}
              onInput={set('user_id')}
            />
          )}
        </Field>
        <Field label="Action">
          {(a) => (
            <select {...a} name="action" value={draft.action} onChange={set('action')}>
              <option value="">Any</option>
              {AUTH_ACTIONS.map((action) => (
                <option key={action} value={action}>
                  {action}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Result">
          {(a) => (
            <select {...a} name="success" value={draft.success} onChange={set('success')}>
              <option value="">Any</option>
              <option value="true">Success</option>
              <option value="false">Failure</option>
            </select>
          )}
        </Field>
        <TimeRangeFields from={draft.from} to={draft.to} onFrom={set('from')} onTo={set('to')} />
        <button type="submit">Apply filters</button>
      </form>
      <ErrorBox error={logs.error} />
      {logs.loading && !data && <Notice>Loading…</Notice>}
      {data && (
        <>
          <p class="stats">
            {[
              count(data.stats.total_logs, 'entry', 'entries'),
              count(data.stats.successes, 'success', 'successes'),
              count(data.stats.failures, 'failure'),
              count(data.stats.unique_users, 'user'),
            ].join(' · ')}
          </p>
          <TableWrap label="Auth log entries">
            <table class="wide">
              <caption>Newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Account</th>
                  <th scope="col">Action</th>
                  <th scope="col">Result</th>
                  <th scope="col">Address</th>
                  <th scope="col">Browser</th>
                </tr>
              </thead>
              <tbody>
                {data.logs.map((log) => (
                  <tr key={log.id}>
                    <td>{formatDateTime(log.timestamp)}</td>
                    <td>
                      {log.user_email || '—'}
                      {log.username && <div class="hint">{log.username}</div>}
                    </td>
                    <td>{log.action}</td>
                    <td class={log.success ? 'ok' : 'bad'}>
                      {log.success ? 'Success' : 'Failure'}
                    </td>
                    <td>{log.ip_address ?? '—'}</td>
                    <td class="clip" title={log.user_agent}>
                      {log.user_agent ?? '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            page={data.page}
            pages={data.stats.pages_total}
            onPage={(page) => {
              goTo(page);
            }}
            label="Auth log pages"
          />
        </>
      )}
    </section>
  );
}
