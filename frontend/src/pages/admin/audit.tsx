import { useState } from 'preact/hooks';
import { useFilters } from '../../components/use-filters.js';
import { TimeRangeFields } from '../../components/time-range.js';
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
  useAction,
  useLoad,
} from '../../components/ui.js';

const PAGE_SIZE = 50;
const EMPTY = { user_id: '', action: '', service: '', from: '', to: '' };

/** The actions auth-service and user-service send (suggestions; any text may be typed). */
const KNOWN_ACTIONS = [
  'user.registered',
  'user.login_succeeded',
  'user.login_failed',
  'user.login_blocked',
  'user.account_locked',
  'user.logged_out',
  'user.password_changed',
  'user.role_changed',
  'user.deleted',
  'session.refresh_token_reused',
  'event.created',
  'event.updated',
  'event.deleted',
  'attendance.check_in',
  'attendance.status_changed',
  'user.created',
  'user.updated',
];

function ChainCheck() {
  const { busy, error, run } = useAction();
  const [report, setReport] = useState<Awaited<ReturnType<typeof api.verifyAudit>> | null>(null);
  const verify = async () => {
    setReport(null);
    const result = await run(() => api.verifyAudit());
    if (result) setReport(result);
  };
  return (
    <section class="card" aria-labelledby="chain-heading">
      <h2 id="chain-heading">Chain check</h2>
      <p>
        Every audit event carries a hash chained to the one before it. The check recomputes the
        whole chain on the server.
      </p>
      <button type="button" class="primary" disabled={busy} onClick={() => void verify()}>
        {busy ? 'Checking…' : 'Verify the chain'}
      </button>
      <ErrorBox error={error} />
      <div role="status">
        {report &&
          (report.intact ? (
            <p class="success">
              <strong>Chain intact</strong>: {count(report.checked, 'event')} checked.
              {report.last_hash && (
                <>
                  {' '}
                  Last hash <code class="hash">{report.last_hash}</code> (record it elsewhere to
                  detect a rewrite).
                </>
              )}
            </p>
          ) : (
            <p class="error">
              <strong>Chain broken</strong> at event #{report.first_broken_id ?? '?'} (
              {count(report.checked, 'event')} checked).
            </p>
          ))}
      </div>
    </section>
  );
}

export function AuditPage() {
  const { draft, filter, set, apply, goTo } = useFilters(EMPTY);
  const events = useLoad(
    () =>
      api.audit({
        user_id: filter.user_id,
        action: filter.action.trim(),
        service: filter.service,
        from: localToIso(filter.from),
        to: localToIso(filter.to),
        page: filter.page,
        limit: PAGE_SIZE,
      }),
    [filter],
  );
  const data = events.data;

  return (
    <section>
      <PageTitle>Audit trail</PageTitle>
      <ChainCheck />
      <form class="filters" onSubmit={apply} aria-label="Filter the audit trail">
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
        <Field label="Action" hint="e.g. user.login_failed, attendance.check_in">
          {(a) => (
            <input
              {...a}
              name="action"
              type="text"
              list="audit-actions"
              value={draft.action}
              onInput={set('action')}
            />
          )}
        </Field>
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((action) => (
            <option key={action} value={action} />
          ))}
        </datalist>
        <Field label="Service">
          {(a) => (
            <select {...a} name="service" value={draft.service} onChange={set('service')}>
              <option value="">Any</option>
              <option value="auth-service">auth-service</option>
              <option value="user-service">user-service</option>
            </select>
          )}
        </Field>
        <TimeRangeFields from={draft.from} to={draft.to} onFrom={set('from')} onTo={set('to')} />
        <button type="submit">Apply filters</button>
      </form>
      <ErrorBox error={events.error} />
      {events.loading && !data && <Notice>Loading…</Notice>}
      {data && (
        <>
          <TableWrap label="Audit events">
            <table class="wide">
              <caption>{count(data.total, 'event')}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Service</th>
                  <th scope="col">Action</th>
                  <th scope="col">User</th>
                  <th scope="col">By</th>
                  <th scope="col">Result</th>
                  <th scope="col">Details</th>
                  <th scope="col">Hash</th>
                </tr>
              </thead>
              <tbody>
                {data.events.map((event) => (
                  <tr key={event.id}>
                    <td>{event.id}</td>
                    <td>{formatDateTime(event.occurred_at)}</td>
                    <td>{event.service}</td>
                    <td>{event.action}</td>
                    <td>{event.user_id ?? '—'}</td>
                    <td>{event.actor_id ?? '—'}</td>
                    <td class={event.success ? 'ok' : 'bad'}>
                      {event.success ? 'Success' : 'Failure'}
                    </td>
                    <td>
                      <code class="details">{JSON.stringify(event.details)}</code>
                      {event.ip && <div class="hint">{event.ip}</div>}
                    </td>
                    <td>
                      <code class="hash" title={event.hash}>
                        {event.hash.slice(0, 12)}…
                      </code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            page={data.page}
            pages={Math.max(1, Math.ceil(data.total / data.limit))}
            onPage={(page) => {
              goTo(page);
            }}
            label="Audit pages"
          />
        </>
      )}
    </section>
  );
}
