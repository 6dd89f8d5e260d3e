import type { AuthLog, AuthLogPage as Reply } from '../../api/types.js';
import * as Filter from '../../components/filter.js';
import { AUTH_ACTION_LABELS, authActionLabel } from '../../components/labels.js';
import {
  PagedTable,
  resultColumn,
  usePagedList,
  type ListSpec,
} from '../../components/paged-table.js';
import { api } from '../../context.js';
import { count, formatDateTime, PageTitle } from '../../components/ui.js';

const PAGE_SIZE = 50;
const EMPTY = { email: '', user_id: '', action: '', success: '', ...Filter.NO_TIME_RANGE };
const RESULTS = { true: 'Success', false: 'Failure' };

const LIST: ListSpec<Reply, AuthLog, typeof EMPTY> = {
  form: {
    label: 'Filter the auth logs',
    fields: (filters) => (
      <>
        <Filter.Text filters={filters} name="email" label="Email" />
        <Filter.UserId filters={filters} />
        <Filter.Choice
          filters={filters}
          name="action"
          label="Action"
          choices={AUTH_ACTION_LABELS}
        />
        <Filter.Choice filters={filters} name="success" label="Result" choices={RESULTS} />
        <Filter.TimeRange filters={filters} />
      </>
    ),
  },
  label: 'Auth log entries',
  page: (data) => ({ rows: data.logs, page: data.page, pages: data.stats.pages_total }),
  caption: () => 'Newest first',
  summary: (data) => (
    <p class="stats">
      {[
        count(data.stats.total_logs, 'entry', 'entries'),
        count(data.stats.successes, 'success', 'successes'),
        count(data.stats.failures, 'failure'),
        count(data.stats.unique_users, 'user'),
      ].join(' · ')}
    </p>
  ),
  wide: true,
  columns: [
    { header: 'When', cell: (log) => formatDateTime(log.timestamp) },
    {
      header: 'Account',
      cell: (log) => (
        <>
          {log.user_email || '—'}
          {log.username && <div class="hint">{log.username}</div>}
        </>
      ),
    },
    {
      header: 'Action',
      cell: (log) => authActionLabel(log.action),
      attributes: (log) => ({ title: log.action }),
    },
    resultColumn(),
    { header: 'Address', cell: (log) => log.ip_address ?? '—' },
    {
      header: 'Browser',
      cell: (log) => log.user_agent ?? '—',
      attributes: (log) => ({ class: 'clip', title: log.user_agent }),
    },
  ],
};

export function AuthLogsPage() {
  const list = usePagedList(api.authLogs, PAGE_SIZE, EMPTY);

  return (
    <section>
      <PageTitle>Auth logs</PageTitle>
      <PagedTable list={list} spec={LIST} />
    </section>
  );
}
