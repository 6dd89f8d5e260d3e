import { useState } from 'preact/hooks';

type Input = (e: { currentTarget: { value: string } }) => void;

/**
 * The filter form of a paged list: what is typed (`draft`) is applied only on submit, which
 * goes back to page 1; `goTo` moves between pages of the applied filter.
 */
export function useFilters<T extends Record<string, string>>(empty: T) {
  const [draft, setDraft] = useState(empty);
  const [filter, setFilter] = useState({ ...empty, page: 1 });
  const set =
    (key: keyof T): Input =>
    (e) => {
      setDraft({ ...draft, [key]: e.currentTarget.value });
    };
  const apply = (event: Event) => {
    event.preventDefault();
    setFilter({ ...draft, page: 1 });
  };
  const goTo = (page: number) => {
    setFilter({ ...filter, page });
  };
  return { draft, filter, set, apply, goTo };
}

/** A list's filter state, as useFilters gives it. */
export type Filters<T extends Record<string, string>> = ReturnType<typeof useFilters<T>>;
