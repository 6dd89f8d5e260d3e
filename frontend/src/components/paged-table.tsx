import type { ComponentChildren } from 'preact';
import type { QueryValue } from '../api/http.js';
import { useFilters, type Filters } from './use-filters.js';
import { ErrorBox, localToIso, Notice, Pager, TableWrap, useLoad, type Loaded } from './ui.js';
import { t } from '../i18n/i18n.js';

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ComponentChildren;
  /** The cell's class and title, from its row. */
  attributes?: (row: Row) => { class?: string; title?: string | undefined };
  /** This column names the row: a row header, which screen readers read with each cell. */
  rowHeader?: boolean;
}

/** A list answer's rows and where they stand, whatever the API calls its parts. */
export interface PageOf<Row> {
  rows: Row[];
  page: number;
  pages: number;
}

/** What a list page shows: its filter form, its table, and what goes around the table. */
export interface ListSpec<Reply, Row, F extends Record<string, string> = Record<string, never>> {
  /** The filter form: its accessible name, its fields and its button. Left out: no form. */
  form?: {
    label: string;
    fields: (filters: Filters<F>) => ComponentChildren;
    submit?: string;
    search?: boolean;
  };
  /** Names the table's scrolling region, and its pager ("Pages of …"). */
  label: string;
  page: (reply: Reply) => PageOf<Row>;
  caption: (reply: Reply) => string;
  columns: Column<Row>[];
  /** Shown instead of an empty table; without it an empty table is shown. */
  empty?: string;
  /** Above the table, e.g. totals. */
  summary?: (reply: Reply) => ComponentChildren;
  /** Many columns: the table may be wider than the page (it scrolls in its region). */
  wide?: boolean;
}

/** "Success" or "Failure", coloured: the column of rows that record whether something worked. */
export function resultColumn<Row extends { success: boolean }>(): Column<Row> {
  return {
    header: t('common.result'),
    cell: (row) => (row.success ? t('common.success') : t('common.failure')),
    attributes: (row) => ({ class: row.success ? 'ok' : 'bad' }),
  };
}

/** The rows of a list answer that counts `total` rows in pages of `limit`. */
export function pageOf<Row>(
  rows: Row[],
  reply: { page: number; total: number; limit: number },
): PageOf<Row> {
  return { rows, page: reply.page, pages: Math.max(1, Math.ceil(reply.total / reply.limit)) };
}

/** What a list sends: each filter by its name, then the page and its size. */
type ListQuery<F> = { [Name in keyof F]: QueryValue } & { page: number; limit: number };

/**
 * The applied filter as the API's query. Typed text is trimmed; `from` and `to` are the local
 * times of Filter.TimeRange, sent as instants; empty values are left out by the client.
 */
function listQuery<F extends Record<string, string>>(
  filter: F & { page: number },
  limit: number,
): ListQuery<F> {
  const query: Record<string, QueryValue> = {};
  for (const [name, value] of Object.entries(filter)) {
    if (typeof value !== 'string') continue;
    query[name] = name === 'from' || name === 'to' ? localToIso(value) : value.trim();
  }
  return { ...(query as { [Name in keyof F]: QueryValue }), page: filter.page, limit };
}

/**
 * A list's state: its filter form (useFilters) and `load`, the API call, made again for each
 * applied filter and page. The form's names must be query parameters `load` takes.
 */
export function usePagedList<Query, Reply, F extends Record<string, string>>(
  load: (query: Query) => Promise<Reply>,
  limit: number,
  empty: F & { [Name in Exclude<keyof F, keyof Query>]: never },
) {
  const filters = useFilters<F>(empty);
  const { filter } = filters;
  // The form's names are the query's (checked on `empty` above), each value a QueryValue.
  const loaded = useLoad(() => load(listQuery(filter, limit) as Query), [filter]);
  return { filters, loaded };
}

export interface PagedList<F extends Record<string, string>, Reply> {
  filters: Filters<F>;
  loaded: Loaded<Reply>;
}

/**
 * A list page's filter form, table and pager: what the log, report and user lists share. The
 * page's spec says which fields, columns and texts it has.
 */
export function PagedTable<
  Reply,
  Row extends { id: number | string },
  F extends Record<string, string>,
>(props: {
  list: PagedList<F, Reply>;
  spec: ListSpec<Reply, Row, F>;
  /** A message of the page's own (an action on a row), under the form. */
  notice?: string | null;
}) {
  const { list, spec } = props;
  const { form } = spec;
  const { filters, loaded } = list;
  const data = loaded.data;
  const shown = data === undefined ? undefined : { data, ...spec.page(data) };
  const empty = shown !== undefined && shown.rows.length === 0 ? spec.empty : undefined;
  return (
    <>
      {form && (
        <form
          class="filters"
          onSubmit={filters.apply}
          aria-label={form.label}
          {...(form.search ? { role: 'search' } : {})}
        >
          {form.fields(filters)}
          <button type="submit">{form.submit ?? t('common.applyFilters')}</button>
        </form>
      )}
      <Notice>{props.notice}</Notice>
      <ErrorBox error={loaded.error} />
      {loaded.loading && !shown && <Notice>{t('common.loading')}</Notice>}
      {empty && <p>{empty}</p>}
      {shown && !empty && (
        <>
          {spec.summary?.(shown.data)}
          <TableWrap label={spec.label}>
            <table class={spec.wide ? 'wide' : undefined}>
              <caption>{spec.caption(shown.data)}</caption>
              <thead>
                <tr>
                  {spec.columns.map((column) => (
                    <th key={column.header} scope="col">
                      {column.header}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shown.rows.map((row) => (
                  <tr key={row.id}>
                    {spec.columns.map((column) => {
                      const Cell = column.rowHeader ? 'th' : 'td';
                      return (
                        <Cell
                          key={column.header}
                          {...(column.rowHeader ? { scope: 'row' } : {})}
                          {...column.attributes?.(row)}
                        >
                          {column.cell(row)}
                        </Cell>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            page={shown.page}
            pages={shown.pages}
            onPage={filters.goTo}
            label={t('common.pagesOf', { what: spec.label.toLowerCase() })}
          />
        </>
      )}
    </>
  );
}
