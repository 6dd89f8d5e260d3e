import { useState } from 'preact/hooks';
import type { AuditEvent, AuditPage as Reply } from '../../api/types.js';
import * as Filter from '../../components/filter.js';
import {
  PagedTable,
  pageOf,
  resultColumn,
  usePagedList,
  type ListSpec,
} from '../../components/paged-table.js';
import { api } from '../../context.js';
import { count, ErrorBox, formatDateTime, PageTitle, useAction } from '../../components/ui.js';

const PAGE_SIZE = 50;
const EMPTY = { user_id: '', action: '', service: '', ...Filter.NO_TIME_RANGE };
const SERVICES = { 'auth-service': 'auth-service', 'user-service': 'user-service' };

/**
 * Actions auth-service and user-service send, offered as suggestions: the audit trail stores
 * any action a service names (its schema takes free text), so this list is a help, not a rule.
 */
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

const LIST: ListSpec<Reply, AuditEvent, typeof EMPTY> = {
  form: {
    label: 'Filter the audit trail',
    fields: (filters) => (
      <>
        <Filter.UserId filters={filters} />
        <Filter.Text
          filters={filters}
          name="action"
          label="Action"
          hint="e.g. user.login_failed, attendance.check_in"
          list="audit-actions"
        />
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((action) => (
            <option key={action} value={action} />
          ))}
        </datalist>
        <Filter.Choice filters={filters} name="service" label="Service" choices={SERVICES} />
        <Filter.TimeRange filters={filters} />
      </>
    ),
  },
  label: 'Audit events',
  page: (data) => pageOf(data.events, data),
  caption: (data) => `${count(data.total, 'event')}, newest first`,
  wide: true,
  columns: [
    { header: '#', cell: (event) => event.id },
    { header: 'When', cell: (event) => formatDateTime(event.occurred_at) },
    { header: 'Service', cell: (event) => event.service },
    { header: 'Action', cell: (event) => event.action },
    { header: 'User', cell: (event) => event.user_id ?? '—' },
    { header: 'By', cell: (event) => event.actor_id ?? '—' },
    resultColumn(),
    {
      header: 'Details',
      cell: (event) => (
        <>
          <code class="details">{JSON.stringify(event.details)}</code>
          {event.ip && <div class="hint">{event.ip}</div>}
        </>
      ),
    },
    {
      header: 'Hash',
      cell: (event) => (
        <code class="hash" title={event.hash}>
          {event.hash.slice(0, 12)}…
        </code>
      ),
    },
  ],
};

export function AuditPage() {
  const list = usePagedList(api.audit, PAGE_SIZE, EMPTY);

  return (
    <section>
      <PageTitle>Audit trail</PageTitle>
      <ChainCheck />
      <PagedTable list={list} spec={LIST} />
    </section>
  );
}
