import { useEffect, useState } from 'preact/hooks';
import { api } from '../../context.js';
import {
  ErrorBox,
  Field,
  formatDate,
  formatEventDateTime,
  Notice,
  PageTitle,
  TableWrap,
  todayLocal,
  useLoad,
} from '../../components/ui.js';
import { href, navigate, type Location } from '../../router.js';
import { rangeFrom, reportStatusLabel, totalsText } from './report-model.js';
import { t } from '../../i18n/i18n.js';

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
        {data
          ? t('person.title', { name: `${data.user.name} ${data.user.surname}` })
          : t('person.untitled')}
      </PageTitle>
      <p class="actions">
        <a class="button" href={href('/admin/users')}>
          {t('person.backToUsers')}
        </a>
        <a class="button" href={href('/admin/register', range)}>
          {t('person.registerOfRange')}
        </a>
      </p>
      <form class="filters" onSubmit={show} aria-label={t('person.range')}>
        {(['from', 'to'] as const).map((name) => (
          <Field key={name} label={name === 'from' ? t('common.from') : t('common.to')}>
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
        <button type="submit">{t('common.show')}</button>
      </form>
      <ErrorBox error={report.error} />
      {report.loading && !data && <Notice>{t('common.loading')}</Notice>}
      {data && (
        <>
          <dl class="facts">
            <dt>{t('person.person')}</dt>
            <dd>
              {data.user.name} {data.user.surname} ({t('common.idOf', { id: data.user.user_id })}
              {data.user.email ? `, ${data.user.email}` : ''})
              {data.user.deleted && t('person.deleted')}
            </dd>
            <dt>{t('person.rangeLabel')}</dt>
            <dd>
              {t('person.rangeValue', { from: formatDate(data.from), to: formatDate(data.to) })}
            </dd>
            <dt>{t('person.totals')}</dt>
            <dd>{totalsText(data.totals)}</dd>
          </dl>
          <p class="hint">{t('person.explain')}</p>
          {data.events.length === 0 ? (
            <p>{t('person.noEvents')}</p>
          ) : (
            <TableWrap label={t('person.events')}>
              <table>
                <caption>
                  {t('person.caption', { from: formatDate(data.from), to: formatDate(data.to) })}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('common.date')}</th>
                    <th scope="col">{t('common.event')}</th>
                    <th scope="col">{t('common.status')}</th>
                    <th scope="col">{t('common.reason')}</th>
                    <th scope="col">{t('common.scanned')}</th>
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
                      <td>{formatEventDateTime(event.scanned_at)}</td>
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
