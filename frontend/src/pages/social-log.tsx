import { useState } from 'preact/hooks';
import type { SocialLog, SocialLogPage as Reply } from '../api/types.js';
import * as Filter from '../components/filter.js';
import { PagedTable, pageOf, usePagedList, type ListSpec } from '../components/paged-table.js';
import { api, session } from '../context.js';
import {
  count,
  ErrorBox,
  Field,
  formatDateTime,
  localToIso,
  Notice,
  nowLocal,
  PageTitle,
  useAction,
} from '../components/ui.js';

const PAGE_SIZE = 20;
const EMPTY = { user_id: '', social: '', status: '', ...Filter.NO_TIME_RANGE };

function NewEntry({ onSaved }: { onSaved: () => void }) {
  const [form, setForm] = useState({ social: '', content: '', status: '', when: nowLocal() });
  const { busy, error, message, run } = useAction();
  const set = (key: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    setForm({ ...form, [key]: e.currentTarget.value });
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const saved = await run(
      () =>
        api.postSocialLog({
          social: form.social,
          content: form.content,
          status: form.status,
          timestamp: localToIso(form.when) ?? '',
        }),
      (entry) => `Saved as entry #${String(entry.id)}`,
    );
    if (saved) {
      setForm({ ...form, content: '' });
      onSaved();
    }
  };
  return (
    <section class="card" aria-labelledby="new-entry-heading">
      <h2 id="new-entry-heading">New entry</h2>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <Field label="Social network" hint='e.g. "instagram"'>
          {(a) => (
            <input
              {...a}
              name="social"
              type="text"
              maxLength={50}
              required
              value={form.social}
              onInput={set('social')}
            />
          )}
        </Field>
        <Field label="Content">
          {(a) => (
            <textarea
              {...a}
              name="content"
              rows={3}
              maxLength={10000}
              required
              value={form.content}
              onInput={set('content')}
            />
          )}
        </Field>
        <Field label="Status" hint='e.g. "published"'>
          {(a) => (
            <input
              {...a}
              name="status"
              type="text"
              maxLength={20}
              required
              value={form.status}
              onInput={set('status')}
            />
          )}
        </Field>
        <Field label="When">
          {(a) => (
            <input
              {...a}
              name="timestamp"
              type="datetime-local"
              required
              value={form.when}
              onInput={set('when')}
            />
          )}
        </Field>
        <ErrorBox error={error} />
        <Notice>{message}</Notice>
        <button type="submit" class="primary" disabled={busy}>
          Save entry
        </button>
      </form>
    </section>
  );
}

/** Admins read everyone's entries, and may filter by user. */
const isAdmin = () => session.user?.role === 'admin';

const LIST: ListSpec<Reply, SocialLog, typeof EMPTY> = {
  form: {
    label: 'Filter the social log',
    fields: (filters) => (
      <>
        {isAdmin() && <Filter.UserId filters={filters} />}
        <Filter.Text filters={filters} name="social" label="Social network" />
        <Filter.Text filters={filters} name="status" label="Status" />
        <Filter.TimeRange filters={filters} />
      </>
    ),
  },
  label: 'Social log entries',
  page: (data) => pageOf(data.logs, data),
  caption: (data) => `${count(data.total, 'entry', 'entries')}, newest first`,
  empty: 'No entries.',
  columns: [
    { header: 'When', cell: (entry) => formatDateTime(entry.timestamp) },
    { header: 'User', cell: (entry) => entry.user_id },
    { header: 'Network', cell: (entry) => entry.social },
    { header: 'Status', cell: (entry) => entry.status },
    { header: 'Content', cell: (entry) => entry.content, attributes: () => ({ class: 'content' }) },
  ],
};

/** Everyone's own social log; admins can see anyone's (GET /api/social/logs). */
export function SocialLogPage() {
  const list = usePagedList(api.socialLogs, PAGE_SIZE, EMPTY);

  return (
    <section>
      <PageTitle>Social log</PageTitle>
      <p>{isAdmin() ? 'Entries of every user.' : 'Your entries.'}</p>
      <NewEntry onSaved={list.loaded.reload} />
      <PagedTable list={list} spec={LIST} />
    </section>
  );
}
