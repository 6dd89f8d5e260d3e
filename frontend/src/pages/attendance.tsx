import type { HistoryItem, HistoryPage } from '../api/types.js';
import { statusLabel } from '../components/labels.js';
import { PagedTable, pageOf, usePagedList, type ListSpec } from '../components/paged-table.js';
import { api } from '../context.js';
import {
  count,
  ErrorBox,
  formatDate,
  formatDateTime,
  PageTitle,
  useLoad,
} from '../components/ui.js';

const PAGE_SIZE = 10;

const LIST: ListSpec<HistoryPage, HistoryItem> = {
  label: 'Attendance history',
  page: (data) => pageOf(data.attendances, data),
  caption: (data) => `${count(data.total, 'record')}, newest first`,
  empty: 'No attendance recorded yet.',
  columns: [
    { header: 'Event', cell: (item) => item.event_name },
    { header: 'Date', cell: (item) => formatDate(item.date) },
    { header: 'Status', cell: (item) => statusLabel(item.status) },
    { header: 'Recorded', cell: (item) => formatDateTime(item.timestamp) },
    { header: 'Reason', cell: (item) => item.motivazione ?? '' },
  ],
};

export function AttendancePage() {
  const today = useLoad(() => api.today(), []);
  // No filter form: the list's state is only its page.
  const history = usePagedList(api.history, PAGE_SIZE, {});

  return (
    <section>
      <PageTitle>My attendance</PageTitle>

      <section class="card" aria-labelledby="today-heading">
        <h2 id="today-heading">Today</h2>
        <ErrorBox error={today.error} />
        {today.data &&
          (today.data.attendance ? (
            <p>
              {formatDate(today.data.date)}:{' '}
              <strong>{statusLabel(today.data.attendance.status)}</strong> at{' '}
              {today.data.attendance.event_name} ({formatDateTime(today.data.attendance.timestamp)})
              {today.data.attendance.motivazione ? ` — ${today.data.attendance.motivazione}` : ''}
            </p>
          ) : (
            <p>{formatDate(today.data.date)}: no attendance recorded today.</p>
          ))}
      </section>

      <h2>History</h2>
      <PagedTable list={history} spec={LIST} />
    </section>
  );
}
