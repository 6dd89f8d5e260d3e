import { useState } from 'preact/hooks';
import { useFilters } from '../components/use-filters.js';
import { TimeRangeFields } from '../components/time-range.js';
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
  Pager,
  TableWrap,
  useAction,
  useLoad,
} from '../components/ui.js';

const PAGE_SIZE = 20;
const EMPTY = { user_id: '', social: '', status: '', from: '', to: '' };

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

/** Everyone's own social log; admins can see anyone's (GET /api/social/logs). */
export function SocialLogPage() {
  const admin = session.user?.role === 'admin';
  const { draft, filter, set, apply, goTo } = useFilters(EMPTY);
  const logs = useLoad(
    () =>
      api.socialLogs({
        user_id: filter.user_id,
        social: filter.social.trim(),
        status: filter.status.trim(),
        from: localToIso(filter.from),
        to: localToIso(filter.to),
        page: filter.page,
        limit: PAGE_SIZE,
      }),
    [filter],
  );
  const data = logs.data;

  return (
    <section>
      <PageTitle>Social log</PageTitle>
      <p>{admin ? 'Entries of every user.' : 'Your entries.'}</p>
      <NewEntry onSaved={logs.reload} />
      <form class="filters" onSubmit={apply} aria-label="Filter the social log">
        {admin && (
          <Field label="User id">
            {(a) => (
              <input
                {...a}
                name="user_id"
                type="number"
                min={1}
                value={draft.user_id}
                onInput={set('user_id')}
              />
            )}
          </Field>
        )}
        <Field label="Social network">
          {(a) => (
            <input {...a} name="social" type="text" value={draft.social} onInput={set('social')} />
          )}
        </Field>
        <Field label="Status">
          {(a) => (
            <input {...a} name="status" type="text" value={draft.status} onInput={set('status')} />
          )}
        </Field>
        <TimeRangeFields from={draft.from} to={draft.to} onFrom={set('from')} onTo={set('to')} />
        <button type="submit">Apply filters</button>
      </form>
      <ErrorBox error={logs.error} />
      {logs.loading && !data && <Notice>Loading…</Notice>}
      {data && data.logs.length === 0 && <p>No entries.</p>}
      {data && data.logs.length > 0 && (
        <>
          <TableWrap label="Social log entries">
            <table>
              <caption>{count(data.total, 'entry', 'entries')}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">User</th>
                  <th scope="col">Network</th>
                  <th scope="col">Status</th>
                  <th scope="col">Content</th>
                </tr>
              </thead>
              <tbody>
                {data.logs.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDateTime(entry.timestamp)}</td>
                    <td>{entry.user_id}</td>
                    <td>{entry.social}</td>
                    <td>{entry.status}</td>
                    <td class="content">{entry.content}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            page={data.page}
            pages={Math.max(1, Math.ceil(data.total / data.limit))}
            onPage={(page) => {
              goTo(page);
            }}
            label="Social log pages"
          />
        </>
      )}
    </section>
  );
}
