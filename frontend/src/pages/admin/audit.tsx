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
import { ErrorBox, formatDateTime, PageTitle, useAction } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';

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
      <h2 id="chain-heading">{t('audit.chain')}</h2>
      <p>{t('audit.chainHelp')}</p>
      <button type="button" class="primary" disabled={busy} onClick={() => void verify()}>
        {busy ? t('common.checking') : t('audit.verify')}
      </button>
      <ErrorBox error={error} />
      <div role="status">
        {report &&
          (report.intact ? (
            <p class="success">
              <strong>{t('audit.intact')}</strong>
              {t('audit.checked', { events: t('audit.events', { count: report.checked }) })}
              {report.last_hash && (
                <>
                  {' '}
                  {t('audit.lastHash')} <code class="hash">{report.last_hash}</code>{' '}
                  {t('audit.record')}
                </>
              )}
            </p>
          ) : (
            <p class="error">
              <strong>{t('audit.broken')}</strong>{' '}
              {t('audit.brokenAt', {
                id: report.first_broken_id ?? '?',
                events: t('audit.events', { count: report.checked }),
              })}
            </p>
          ))}
      </div>
    </section>
  );
}

/** The list's words, in the current language. */
const list = (): ListSpec<Reply, AuditEvent, typeof EMPTY> => ({
  form: {
    label: t('audit.filter'),
    fields: (filters) => (
      <>
        <Filter.UserId filters={filters} />
        <Filter.Text
          filters={filters}
          name="action"
          label={t('audit.action')}
          hint={t('audit.actionHint')}
          list="audit-actions"
        />
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((action) => (
            <option key={action} value={action} />
          ))}
        </datalist>
        <Filter.Choice
          filters={filters}
          name="service"
          label={t('audit.service')}
          choices={SERVICES}
          names
        />
        <Filter.TimeRange filters={filters} />
      </>
    ),
  },
  label: t('audit.label'),
  page: (data) => pageOf(data.events, data),
  caption: (data) => t('audit.caption', { count: data.total }),
  wide: true,
  columns: [
    { header: '#', cell: (event) => event.id },
    { header: t('common.when'), cell: (event) => formatDateTime(event.occurred_at) },
    { header: t('audit.service'), cell: (event) => event.service },
    { header: t('audit.action'), cell: (event) => event.action },
    { header: t('audit.user'), cell: (event) => event.user_id ?? '—' },
    { header: t('audit.by'), cell: (event) => event.actor_id ?? '—' },
    resultColumn(),
    {
      header: t('audit.details'),
      cell: (event) => (
        <>
          <code class="details">{JSON.stringify(event.details)}</code>
          {event.ip && <div class="hint">{event.ip}</div>}
        </>
      ),
    },
    {
      header: t('audit.hash'),
      cell: (event) => (
        <code class="hash" title={event.hash}>
          {event.hash.slice(0, 12)}…
        </code>
      ),
    },
  ],
});

export function AuditPage() {
  const events = usePagedList(api.audit, PAGE_SIZE, EMPTY);

  return (
    <section>
      <PageTitle>{t('audit.title')}</PageTitle>
      <ChainCheck />
      <PagedTable list={events} spec={list()} />
    </section>
  );
}
