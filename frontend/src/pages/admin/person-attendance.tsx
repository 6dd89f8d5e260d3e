import { useEffect, useState } from 'preact/hooks';
import { api } from '../../context.js';
import {
  ErrorBox,
  Field,
  formatDate,
  formatDateTime,
  Notice,
  PageTitle,
  TableWrap,
  todayLocal,
  useLoad,
} from '../../components/ui.js';
import { href, navigate, type Location } from '../../router.js';
import { rangeFrom, reportStatusLabel, totalsText } from './report-model.js';

/**
 * One person's attendance over a date range (docs/compatibility.md#term-reports), reached from
 * the Users page and the Register. The range lives in the address (`?from=&to=`), so the page
 * can be linked to and reloaded.
 */
export function PersonAttendancePage({ userId, location }: { userId: string; location: Location }) {
  const range = rangeFrom(location.params, todayLocal());
  const [draft, setDraft] = useState(range);
  // Another range in the address (a link, the back button): the form follows it.
  useEffect(() => {
    setDraft(range);
  }, [range.from, range.to]);
  const report = useLoad(
    () => api.personAttendance(Number(userId), range.from, range.to),
    [userId, range.from, range.to],
  );
  const data = report.data;
  const path = `/admin/users/${userId}/attendance`;

  const show = (event: Event) => {
    event.preventDefault();
    navigate(path, draft);
  };

  return (
    <section>
      <PageTitle>
        {data ? `Attendance: ${data.user.name} ${data.user.surname}` : 'Attendance of a person'}
      </PageTitle>
      <p class="actions">
        <a class="button" href={href('/admin/users')}>
          Back to users
        </a>
        <a class="button" href={href('/admin/register', range)}>
          Register of this range
        </a>
      </p>
      <form class="filters" onSubmit={show} aria-label="Attendance range">
        {(['from', 'to'] as const).map((name) => (
          <Field key={name} label={name === 'from' ? 'From' : 'To'}>
            {(a) => (
              <input
                {...a}
                name={name}
                type="date"
                required
                value={draft[name]}
                onInput={(e) => {
                  setDraft({ ...draft, [name]: e.currentTarget.value });
                }}
              />
            )}
          </Field>
        ))}
        <button type="submit">Show</button>
      </form>
      <ErrorBox error={report.error} />
      {report.loading && !data && <Notice>Loading…</Notice>}
      {data && (
        <>
          <dl class="facts">
            <dt>Person</dt>
            <dd>
              {data.user.name} {data.user.surname} (id {data.user.user_id}
              {data.user.email ? `, ${data.user.email}` : ''}){data.user.deleted && ', deleted'}
            </dd>
            <dt>Range</dt>
            <dd>
              {formatDate(data.from)} to {formatDate(data.to)}
            </dd>
            <dt>Totals</dt>
            <dd>{totalsText(data.totals)}</dd>
          </dl>
          <p class="hint">
            Every event of the range counts; only Present counts towards the rate. Hospital, family,
            emergency, vacancy and personal are justified absences.
          </p>
          {data.events.length === 0 ? (
            <p>No event falls in this range.</p>
          ) : (
            <TableWrap label="Events">
              <table>
                <caption>
                  Events from {formatDate(data.from)} to {formatDate(data.to)}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Scanned</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((event) => (
                    <tr key={event.event_id}>
                      <td>{formatDate(event.date)}</td>
                      <th scope="row">
                        <a href={href(`/admin/events/${encodeURIComponent(event.event_id)}`)}>
                          {event.event_name}
                        </a>
                      </th>
                      <td class={event.status === 'present' ? 'ok' : undefined}>
                        {reportStatusLabel(event.status)}
                      </td>
                      <td>{event.motivazione ?? ''}</td>
                      <td>{formatDateTime(event.scanned_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}
    </section>
  );
}
