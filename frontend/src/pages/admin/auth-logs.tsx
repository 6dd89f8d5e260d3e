import type { AuthLog, AuthLogPage as Reply } from '../../api/types.js';
import * as Filter from '../../components/filter.js';
import { AUTH_ACTIONS, authActionLabel, choices } from '../../components/labels.js';
import {
  PagedTable,
  resultColumn,
  usePagedList,
  type ListSpec,
} from '../../components/paged-table.js';
import { api } from '../../context.js';
import { formatDateTime, PageTitle } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';

const PAGE_SIZE = 50;
const EMPTY = { email: '', user_id: '', action: '', success: '', ...Filter.NO_TIME_RANGE };
/** The list's words, in the current language. */
const list = (): ListSpec<Reply, AuthLog, typeof EMPTY> => ({
  form: {
    label: t('authLogs.filter'),
    fields: (filters) => (
      <>
        <Filter.Text filters={filters} name="email" label={t('common.email')} />
        <Filter.UserId filters={filters} />
        <Filter.Choice
          filters={filters}
          name="action"
          label={t('authLogs.action')}
          choices={choices(AUTH_ACTIONS, authActionLabel)}
        />
        <Filter.Choice
          filters={filters}
          name="success"
          label={t('common.result')}
          choices={{ true: t('common.success'), false: t('common.failure') }}
        />
        <Filter.TimeRange filters={filters} />
      </>
    ),
  },
  label: t('authLogs.label'),
  page: (data) => ({ rows: data.logs, page: data.page, pages: data.stats.pages_total }),
  caption: () => t('common.newestFirst'),
  summary: (data) => (
    <p class="stats">
      {[
        t('authLogs.entries', { count: data.stats.total_logs }),
        t('authLogs.successes', { count: data.stats.successes }),
        t('authLogs.failures', { count: data.stats.failures }),
        t('authLogs.users', { count: data.stats.unique_users }),
      ].join(' · ')}
    </p>
  ),
  wide: true,
  columns: [
    { header: t('common.when'), cell: (log) => formatDateTime(log.timestamp) },
    {
      header: t('authLogs.account'),
      cell: (log) => (
        <>
          {log.user_email || '—'}
          {log.username && <div class="hint">{log.username}</div>}
        </>
      ),
    },
    {
      header: t('authLogs.action'),
      cell: (log) => authActionLabel(log.action),
      attributes: (log) => ({ title: log.action }),
    },
    resultColumn(),
    { header: t('authLogs.address'), cell: (log) => log.ip_address ?? '—' },
    {
      header: t('authLogs.browser'),
      cell: (log) => log.user_agent ?? '—',
      attributes: (log) => ({ class: 'clip', title: log.user_agent }),
    },
  ],
});

export function AuthLogsPage() {
  const logs = usePagedList(api.authLogs, PAGE_SIZE, EMPTY);

  return (
    <section>
      <PageTitle>{t('authLogs.title')}</PageTitle>
      <PagedTable list={logs} spec={list()} />
    </section>
  );
}
