import { useState } from 'preact/hooks';
import type {
  CsvDelimiter,
  AttendanceRegister as RegisterReply,
  RegisterPeople,
} from '../../api/types.js';
import { PagedTable, pageOf, type Column, type ListSpec } from '../../components/paged-table.js';
import { useFilters } from '../../components/use-filters.js';
import { api } from '../../context.js';
import {
  ErrorBox,
  Field,
  Notice,
  PageTitle,
  todayLocal,
  useAction,
  useLoad,
} from '../../components/ui.js';
import { href } from '../../router.js';
import { saveFile } from './event-report.js';
import {
  defaultRange,
  delimiterLabels,
  eventHeader,
  peopleLabels,
  registerRows,
  reportStatusLabel,
  totalColumns,
  type RegisterRow,
} from './report-model.js';
import { t } from '../../i18n/i18n.js';
import { formatDate } from '../../i18n/format.js';

const PAGE_SIZE = 50;

type RegisterFilter = { from: string; to: string; people: RegisterPeople };

/** The table: a person per row, an event per column, then the totals. */
function spec(filter: RegisterFilter, reply: RegisterReply | undefined) {
  const person = (row: RegisterRow) =>
    href(`/admin/users/${String(row.user_id)}/attendance`, { from: filter.from, to: filter.to });
  const events: Column<RegisterRow>[] = (reply?.events ?? []).map((event, index) => ({
    header: eventHeader(event),
    cell: (row) => reportStatusLabel(row.statuses[index] ?? 'not_checked_in'),
    attributes: (row) => ({ class: row.statuses[index] === 'present' ? 'ok' : undefined }),
  }));
  const totals: Column<RegisterRow>[] = totalColumns().map(([header, cell]) => ({
    header,
    cell: (row) => cell(row.totals),
  }));
  const columns: Column<RegisterRow>[] = [
    {
      header: t('attendanceRegister.person'),
      rowHeader: true,
      cell: (row) => (
        <>
          <a href={person(row)}>
            {row.surname} {row.name}
          </a>
          <div class="hint">{row.email ?? t('common.idOf', { id: row.user_id })}</div>
        </>
      ),
    },
    ...events,
    ...totals,
  ];
  return {
    label: t('attendanceRegister.label'),
    wide: true,
    page: (data) => pageOf(registerRows(data), data),
    caption: (data) =>
      t('attendanceRegister.caption', {
        people: t('attendanceRegister.persons', { count: data.total }),
        events: t('attendanceRegister.events', { count: data.events.length }),
        from: formatDate(data.from),
        to: formatDate(data.to),
      }),
    empty: t('attendanceRegister.empty'),
    columns,
  } satisfies ListSpec<RegisterReply, RegisterRow>;
}

/**
 * The register across events (docs/compatibility.md#term-reports): a date range, who to list,
 * the people × events table a page at a time, and the whole register as a CSV file.
 */
export function AttendanceRegisterPage() {
  const filters = useFilters<RegisterFilter>({ ...defaultRange(todayLocal()), people: 'attended' });
  const { filter } = filters;
  const loaded = useLoad(
    () => api.attendanceRegister({ ...filter, page: filter.page, limit: PAGE_SIZE }),
    [filter],
  );
  const [delimiter, setDelimiter] = useState<CsvDelimiter>('comma');
  const download = useAction();

  const downloadCsv = async () => {
    const { from, to, people } = filter;
    const file = await download.run(
      () => api.attendanceRegisterCsv({ from, to, people, delimiter }),
      (f) => t('common.downloaded', { file: f.filename ?? t('attendanceRegister.file') }),
    );
    if (file) saveFile(file.blob, file.filename ?? `register-${from}-${to}.csv`);
  };

  return (
    <section>
      <PageTitle>{t('attendanceRegister.title')}</PageTitle>
      <p>{t('attendanceRegister.intro')}</p>
      <PagedTable
        list={{ filters, loaded }}
        spec={{
          ...spec(filter, loaded.data),
          form: {
            label: t('attendanceRegister.range'),
            submit: t('common.show'),
            fields: (f) => (
              <>
                {(['from', 'to'] as const).map((name) => (
                  <Field key={name} label={name === 'from' ? t('common.from') : t('common.to')}>
                    {(a) => (
                      <input
                        {...a}
                        name={name}
                        type="date"
                        required
                        value={f.draft[name]}
                        onInput={f.set(name)}
                      />
                    )}
                  </Field>
                ))}
                <Field label={t('attendanceRegister.peopleField')}>
                  {(a) => (
                    <select {...a} name="people" value={f.draft.people} onChange={f.set('people')}>
                      {Object.entries(peopleLabels()).map(([value, text]) => (
                        <option key={value} value={value}>
                          {text}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              </>
            ),
          },
        }}
      />
      <div class="card">
        <h2>{t('attendanceRegister.download')}</h2>
        <p class="hint">
          {t('attendanceRegister.downloadHint', {
            from: formatDate(filter.from),
            to: formatDate(filter.to),
          })}
        </p>
        <div class="actions">
          <Field label={t('attendanceRegister.separator')}>
            {(a) => (
              <select
                {...a}
                name="delimiter"
                value={delimiter}
                onChange={(e) => {
                  setDelimiter(e.currentTarget.value as CsvDelimiter);
                }}
              >
                {Object.entries(delimiterLabels()).map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button
            type="button"
            class="primary"
            disabled={download.busy}
            onClick={() => void downloadCsv()}
          >
            {t('common.downloadCsv')}
          </button>
        </div>
        <ErrorBox error={download.error} />
        <Notice>{download.message}</Notice>
      </div>
    </section>
  );
}
