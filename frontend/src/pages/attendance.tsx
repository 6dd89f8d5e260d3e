import { useState } from 'preact/hooks';
import { statusLabel } from '../components/labels.js';
import { api } from '../context.js';
import {
  count,
  ErrorBox,
  formatDate,
  formatDateTime,
  Notice,
  PageTitle,
  Pager,
  TableWrap,
  useLoad,
} from '../components/ui.js';

const PAGE_SIZE = 10;

export function AttendancePage() {
  const [page, setPage] = useState(1);
  const today = useLoad(() => api.today(), []);
  const history = useLoad(() => api.history(page, PAGE_SIZE), [page]);
  const pages = history.data ? Math.max(1, Math.ceil(history.data.total / history.data.limit)) : 1;

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
      <ErrorBox error={history.error} />
      {history.loading && !history.data && <Notice>Loading…</Notice>}
      {history.data && history.data.attendances.length === 0 && <p>No attendance recorded yet.</p>}
      {history.data && history.data.attendances.length > 0 && (
        <TableWrap label="Attendance history">
          <table>
            <caption>{count(history.data.total, 'record')}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Date</th>
                <th scope="col">Status</th>
                <th scope="col">Recorded</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {history.data.attendances.map((item) => (
                <tr key={item.id}>
                  <td>{item.event_name}</td>
                  <td>{formatDate(item.date)}</td>
                  <td>{statusLabel(item.status)}</td>
                  <td>{formatDateTime(item.timestamp)}</td>
                  <td>{item.motivazione ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager page={page} pages={pages} onPage={setPage} label="History pages" />
    </section>
  );
}
