import type { HistoryItem, HistoryPage } from '../api/types.js';
import { statusLabel } from '../components/labels.js';
import { PagedTable, pageOf, usePagedList, type ListSpec } from '../components/paged-table.js';
import { api } from '../context.js';
import { ErrorBox, formatDate, formatEventDateTime, PageTitle, useLoad } from '../components/ui.js';
import { t } from '../i18n/i18n.js';

const PAGE_SIZE = 10;

/** The list's words, in the current language. */
const list = (): ListSpec<HistoryPage, HistoryItem> => ({
  label: t('attendance.historyLabel'),
  page: (data) => pageOf(data.attendances, data),
  caption: (data) => t('attendance.records', { count: data.total }),
  empty: t('attendance.empty'),
  columns: [
    { header: t('common.event'), cell: (item) => item.event_name },
    { header: t('common.date'), cell: (item) => formatDate(item.date) },
    { header: t('common.status'), cell: (item) => statusLabel(item.status) },
    { header: t('attendance.recorded'), cell: (item) => formatEventDateTime(item.timestamp) },
    { header: t('common.reason'), cell: (item) => item.motivazione ?? '' },
  ],
});

export function AttendancePage() {
  const today = useLoad(() => api.today(), []);
  // No filter form: the list's state is only its page.
  const history = usePagedList(api.history, PAGE_SIZE, {});

  return (
    <section>
      <PageTitle>{t('attendance.title')}</PageTitle>

      <section class="card" aria-labelledby="today-heading">
        <h2 id="today-heading">{t('attendance.today')}</h2>
        <ErrorBox error={today.error} />
        {today.data &&
          (today.data.attendance ? (
            <p>
              {formatDate(today.data.date)}:{' '}
              <strong>{statusLabel(today.data.attendance.status)}</strong>{' '}
              {t('attendance.todayAt', {
                event: today.data.attendance.event_name,
                time: formatEventDateTime(today.data.attendance.timestamp),
              })}
              {today.data.attendance.motivazione ? ` — ${today.data.attendance.motivazione}` : ''}
            </p>
          ) : (
            <p>{t('attendance.todayNone', { date: formatDate(today.data.date) })}</p>
          ))}
      </section>

      <h2>{t('attendance.history')}</h2>
      <PagedTable list={history} spec={list()} />
    </section>
  );
}
