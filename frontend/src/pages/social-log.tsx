import { useState } from 'preact/hooks';
import type { SocialLog, SocialLogPage as Reply } from '../api/types.js';
import * as Filter from '../components/filter.js';
import { PagedTable, pageOf, usePagedList, type ListSpec } from '../components/paged-table.js';
import { api, session } from '../context.js';
import {
  ErrorBox,
  Field,
  formatDateTime,
  localToIso,
  Notice,
  nowLocal,
  PageTitle,
  useAction,
} from '../components/ui.js';
import { t } from '../i18n/i18n.js';

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
      (entry) => t('social.saved', { id: entry.id }),
    );
    if (saved) {
      setForm({ ...form, content: '' });
      onSaved();
    }
  };
  return (
    <section class="card" aria-labelledby="new-entry-heading">
      <h2 id="new-entry-heading">{t('social.newEntry')}</h2>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <Field label={t('social.network')} hint={t('social.networkHint')}>
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
        <Field label={t('social.content')}>
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
        <Field label={t('common.status')} hint={t('social.statusHint')}>
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
        <Field label={t('common.when')}>
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
          {t('social.saveEntry')}
        </button>
      </form>
    </section>
  );
}

/** Admins read everyone's entries, and may filter by user. */
const isAdmin = () => session.user?.role === 'admin';

/** The list's words, in the current language. */
const list = (): ListSpec<Reply, SocialLog, typeof EMPTY> => ({
  form: {
    label: t('social.filter'),
    fields: (filters) => (
      <>
        {isAdmin() && <Filter.UserId filters={filters} />}
        <Filter.Text filters={filters} name="social" label={t('social.network')} />
        <Filter.Text filters={filters} name="status" label={t('common.status')} />
        <Filter.TimeRange filters={filters} />
      </>
    ),
  },
  label: t('social.entriesLabel'),
  page: (data) => pageOf(data.logs, data),
  caption: (data) => t('social.entries', { count: data.total }),
  empty: t('social.empty'),
  columns: [
    { header: t('common.when'), cell: (entry) => formatDateTime(entry.timestamp) },
    { header: t('social.user'), cell: (entry) => entry.user_id },
    { header: t('social.networkColumn'), cell: (entry) => entry.social },
    { header: t('common.status'), cell: (entry) => entry.status },
    {
      header: t('social.content'),
      cell: (entry) => entry.content,
      attributes: () => ({ class: 'content' }),
    },
  ],
});

/** Everyone's own social log; admins can see anyone's (GET /api/social/logs). */
export function SocialLogPage() {
  const entries = usePagedList(api.socialLogs, PAGE_SIZE, EMPTY);

  return (
    <section>
      <PageTitle>{t('social.title')}</PageTitle>
      <p>{isAdmin() ? t('social.everyone') : t('social.own')}</p>
      <NewEntry onSaved={entries.loaded.reload} />
      <PagedTable list={entries} spec={list()} />
    </section>
  );
}
