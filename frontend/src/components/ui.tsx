import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/errors.js';
import { t } from '../i18n/i18n.js';

export { formatDate, formatDateTime, formatEventDateTime } from '../i18n/format.js';

/** A labelled form control: the label names it, the hint describes it (WCAG 1.3.1, 3.3.2). */
export function Field(props: {
  label: string;
  hint?: string;
  children: (attributes: { id: string; 'aria-describedby'?: string }) => JSX.Element;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children({ id, ...(props.hint ? { 'aria-describedby': hintId } : {}) })}
      {props.hint && (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** The API's message (or any error's), announced by screen readers when it appears. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p class="error" role="alert">
      {errorMessage(error)}
    </p>
  );
}

/** A success or progress message, announced politely. */
export function Notice({ children }: { children: ComponentChildren }) {
  if (children === null || children === undefined || children === '' || children === false) {
    return null;
  }
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** The page heading; it takes the focus after each navigation so screen readers announce it. */
export function PageTitle({ children }: { children: string }) {
  useEffect(() => {
    document.title = `${children} · ${t('app.name')}`;
  }, [children]);
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A wide table scrolls inside its own box on a phone; the box is focusable so keys scroll it. */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Pager(props: {
  page: number;
  pages: number;
  onPage: (page: number) => void;
  label?: string;
}) {
  const { page, pages, onPage } = props;
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={props.label ?? t('common.pages')}>
      <button
        type="button"
        disabled={page <= 1}
        onClick={() => {
          onPage(page - 1);
        }}
      >
        {t('common.previous')}
      </button>
      <span aria-current="page">{t('common.pageOf', { page, pages })}</span>
      <button
        type="button"
        disabled={page >= pages}
        onClick={() => {
          onPage(page + 1);
        }}
      >
        {t('common.next')}
      </button>
    </nav>
  );
}

/**
 * A Delete button that asks once more ("Yes, …" or Cancel) before it acts; the confirmation
 * stays, disabled, while the deletion runs.
 */
export function DeleteButton(props: {
  /** What is deleted, for the confirmation's accessible name. */
  name: string;
  /** The confirming button's text. */
  confirm: string;
  busy: boolean;
  onDelete: () => Promise<unknown>;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button
        type="button"
        class="danger"
        onClick={() => {
          setConfirming(true);
        }}
      >
        {t('common.delete')}
      </button>
    );
  }
  const remove = async () => {
    await props.onDelete();
    setConfirming(false);
  };
  return (
    <span role="group" aria-label={t('common.confirmDelete', { name: props.name })}>
      <button type="button" class="danger" disabled={props.busy} onClick={() => void remove()}>
        {props.confirm}
      </button>
      <button
        type="button"
        onClick={() => {
          setConfirming(false);
        }}
      >
        {t('common.cancel')}
      </button>
    </span>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; a late answer for old deps is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: unknown; loading: boolean }>({
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (call === latest.current) setState({ data, error: null, loading: false });
      },
      (error: unknown) => {
        if (call === latest.current)
          setState((previous) => ({ ...previous, error, loading: false }));
      },
    );
    // The caller lists in deps what load reads.
  }, [...deps, tick]);
  const reload = useCallback(() => {
    setTick((value) => value + 1);
  }, []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * A form action's state: `run` calls the API, keeps its error or its success message, and
 * refuses a second submit while one is in flight.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>, success?: (result: T) => string) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const result = await action();
      if (success) setMessage(success(result));
      return result;
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, message, run, setError, setMessage };
}

/** A `datetime-local` input's value as an RFC 3339 instant, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Now as a `datetime-local` value in the reader's time zone. */
export function nowLocal(): string {
  const now = new Date();
  const offset = now.getTimezoneOffset() * 60_000;
  return new Date(now.getTime() - offset).toISOString().slice(0, 16);
}

/** Today's date (YYYY-MM-DD) in the reader's time zone. */
export function todayLocal(): string {
  return nowLocal().slice(0, 10);
}
