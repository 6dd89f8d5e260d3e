import { useState } from 'preact/hooks';
import type { ListedUser, Role } from '../../api/types.js';
import { api, session } from '../../context.js';
import {
  count,
  ErrorBox,
  Field,
  formatDateTime,
  Notice,
  PageTitle,
  Pager,
  TableWrap,
  useAction,
  useLoad,
} from '../../components/ui.js';

const PAGE_SIZE = 20;

function UserRow({ user, onChanged }: { user: ListedUser; onChanged: (message: string) => void }) {
  const [role, setRole] = useState<Role>(user.role);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const who = [user.name, user.surname].filter(Boolean).join(' ') || user.username || user.email;
  const self = session.user?.id === user.id;

  const saveRole = async (event: Event) => {
    event.preventDefault();
    const reply = await run(() => api.setRole(user.id, role));
    if (reply) onChanged(`${reply.message}: ${who} is now ${reply.new_role}`);
  };
  const remove = async () => {
    setConfirming(false);
    const reply = await run(() => api.deleteUser(user.id));
    if (reply) onChanged(`${reply.message}: ${who}`);
  };

  return (
    <tr>
      <td>{user.id}</td>
      <th scope="row">
        {who}
        {self && ' (you)'}
        <div class="hint">{user.username}</div>
      </th>
      <td>{user.email || '—'}</td>
      <td>
        <form class="row-form" onSubmit={(e) => void saveRole(e)}>
          <select
            aria-label={`Role of ${who}`}
            value={role}
            onChange={(e) => {
              setRole(e.currentTarget.value as Role);
            }}
          >
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
          <button type="submit" disabled={busy || role === user.role}>
            Save role
          </button>
        </form>
      </td>
      <td>{formatDateTime(user.created_at)}</td>
      <td>{formatDateTime(user.last_login)}</td>
      <td>
        {confirming ? (
          <span role="group" aria-label={`Confirm deleting ${who}`}>
            <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
              Yes, delete {who}
            </button>
            <button
              type="button"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            class="danger"
            onClick={() => {
              setConfirming(true);
            }}
          >
            Delete
          </button>
        )}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}

export function UsersPage() {
  const [draft, setDraft] = useState({ q: '', role: '' });
  const [filter, setFilter] = useState({ q: '', role: '', page: 1 });
  const [notice, setNotice] = useState<string | null>(null);
  const users = useLoad(
    () => api.users({ q: filter.q, role: filter.role, page: filter.page, limit: PAGE_SIZE }),
    [filter],
  );

  const search = (event: Event) => {
    event.preventDefault();
    setFilter({ ...draft, page: 1 });
  };

  return (
    <section>
      <PageTitle>Users and roles</PageTitle>
      <form class="filters" onSubmit={search} role="search" aria-label="Find users">
        <Field label="Search" hint="Email, username or name.">
          {(a) => (
            <input
              {...a}
              name="q"
              type="search"
              value={draft.q}
              onInput={(e) => {
                setDraft({ ...draft, q: e.currentTarget.value });
              }}
            />
          )}
        </Field>
        <Field label="Role">
          {(a) => (
            <select
              {...a}
              name="role"
              value={draft.role}
              onChange={(e) => {
                setDraft({ ...draft, role: e.currentTarget.value });
              }}
            >
              <option value="">Any</option>
              <option value="user">user</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
        <button type="submit">Search</button>
      </form>
      <Notice>{notice}</Notice>
      <ErrorBox error={users.error} />
      {users.loading && !users.data && <Notice>Loading…</Notice>}
      {users.data && (
        <>
          <TableWrap label="Users">
            <table>
              <caption>{count(users.data.total, 'account')}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Registered</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Delete</th>
                </tr>
              </thead>
              <tbody>
                {users.data.users.map((user) => (
                  <UserRow
                    key={user.id}
                    user={user}
                    onChanged={(message) => {
                      setNotice(message);
                      users.reload();
                    }}
                  />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            page={users.data.page}
            pages={users.data.pages_total}
            onPage={(page) => {
              setFilter({ ...filter, page });
            }}
            label="User pages"
          />
        </>
      )}
    </section>
  );
}
