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
  count,
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
  DELIMITER_LABELS,
  defaultRange,
  eventHeader,
  PEOPLE_LABELS,
  registerRows,
  reportStatusLabel,
  TOTAL_COLUMNS,
  type RegisterRow,
} from './report-model.js';

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
  const totals: Column<RegisterRow>[] = TOTAL_COLUMNS.map(([header, cell]) => ({
    header,
    cell: (row) => cell(row.totals),
  }));
  const columns: Column<RegisterRow>[] = [
    {
      header: 'Person',
      rowHeader: true,
      cell: (row) => (
        <>
          <a href={person(row)}>
            {row.surname} {row.name}
          </a>
          <div class="hint">{row.email ?? `id ${String(row.user_id)}`}</div>
        </>
      ),
    },
    ...events,
    ...totals,
  ];
  return {
    label: 'Register',
    wide: true,
    page: (data) => pageOf(registerRows(data), data),
    caption: (data) =>
      `${count(data.total, 'person', 'people')} × ${count(data.events.length, 'event')}, ${data.from} to ${data.to}`,
    empty: 'Nobody in this range: no check-in or status on its events.',
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
      (f) => `Downloaded ${f.filename ?? 'the register'}`,
    );
    if (file) saveFile(file.blob, file.filename ?? `register-${from}-${to}.csv`);
  };

  return (
    <section>
      <PageTitle>Register</PageTitle>
      <p>
        Everyone’s status on every event of a date range (at most 366 days). An event without a
        check-in or a status counts as not checked in; only Present counts towards the rate.
      </p>
      <PagedTable
        list={{ filters, loaded }}
        spec={{
          ...spec(filter, loaded.data),
          form: {
            label: 'Register range',
            submit: 'Show',
            fields: (f) => (
              <>
                {(['from', 'to'] as const).map((name) => (
                  <Field key={name} label={name === 'from' ? 'From' : 'To'}>
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
                <Field label="People">
                  {(a) => (
                    <select {...a} name="people" value={f.draft.people} onChange={f.set('people')}>
                      {Object.entries(PEOPLE_LABELS).map(([value, text]) => (
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
        <h2>Download</h2>
        <p class="hint">
          The whole register of the range shown ({filter.from} to {filter.to}) as a CSV file for
          spreadsheets.
        </p>
        <div class="actions">
          <Field label="Separator">
            {(a) => (
              <select
                {...a}
                name="delimiter"
                value={delimiter}
                onChange={(e) => {
                  setDelimiter(e.currentTarget.value as CsvDelimiter);
                }}
              >
                {Object.entries(DELIMITER_LABELS).map(([value, text]) => (
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
            Download CSV
          </button>
        </div>
        <ErrorBox error={download.error} />
        <Notice>{download.message}</Notice>
      </div>
    </section>
  );
}
