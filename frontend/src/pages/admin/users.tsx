import { useState } from 'preact/hooks';
import type { ListedUser, Role, UserPage } from '../../api/types.js';
import * as Filter from '../../components/filter.js';
import { ROLE_LABELS, ROLES } from '../../components/labels.js';
import { PagedTable, usePagedList, type ListSpec } from '../../components/paged-table.js';
import { api, session } from '../../context.js';
import {
  count,
  DeleteButton,
  ErrorBox,
  formatDateTime,
  PageTitle,
  useAction,
} from '../../components/ui.js';
import { href } from '../../router.js';

const PAGE_SIZE = 20;
const EMPTY = { q: '', role: '' };

/** How a user is named in the table and in messages. */
function nameOf(user: ListedUser): string {
  return [user.name, user.surname].filter(Boolean).join(' ') || user.username || user.email;
}

/** What a row's action reports: the page shows the message and reloads the list. */
type Changed = (message: string) => void;

function RoleCell({ user, onChanged }: { user: ListedUser; onChanged: Changed }) {
  const [role, setRole] = useState<Role>(user.role);
  const { busy, error, run } = useAction();
  const who = nameOf(user);
  const save = async (event: Event) => {
    event.preventDefault();
    const reply = await run(() => api.setRole(user.id, role));
    if (reply) onChanged(`${reply.message}: ${who} is now ${reply.new_role}`);
  };
  return (
    <form class="row-form" onSubmit={(e) => void save(e)}>
      <select
        aria-label={`Role of ${who}`}
        value={role}
        onChange={(e) => {
          setRole(e.currentTarget.value as Role);
        }}
      >
        {ROLES.map((value) => (
          <option key={value} value={value}>
            {ROLE_LABELS[value]}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy || role === user.role}>
        Save role
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function DeleteCell({ user, onChanged }: { user: ListedUser; onChanged: Changed }) {
  const { busy, error, run } = useAction();
  const who = nameOf(user);
  const remove = async () => {
    const reply = await run(() => api.deleteUser(user.id));
    if (reply) onChanged(`${reply.message}: ${who}`);
  };
  return (
    <>
      <DeleteButton name={who} confirm={`Yes, delete ${who}`} busy={busy} onDelete={remove} />
      <ErrorBox error={error} />
    </>
  );
}

/** The list, with the rows' actions reporting to the page. */
function spec(onChanged: Changed): ListSpec<UserPage, ListedUser, typeof EMPTY> {
  return {
    form: {
      label: 'Find users',
      search: true,
      submit: 'Search',
      fields: (filters) => (
        <>
          <Filter.Text
            filters={filters}
            name="q"
            label="Search"
            hint="Email, username or name."
            type="search"
          />
          <Filter.Choice filters={filters} name="role" label="Role" choices={ROLE_LABELS} />
        </>
      ),
    },
    label: 'Users',
    page: (data) => ({ rows: data.users, page: data.page, pages: data.pages_total }),
    caption: (data) => `${count(data.total, 'account')}, newest first`,
    columns: [
      { header: 'Id', cell: (user) => user.id },
      {
        header: 'Name',
        rowHeader: true,
        cell: (user) => (
          <>
            {nameOf(user)}
            {session.user?.id === user.id && ' (you)'}
            <div class="hint">{user.username}</div>
          </>
        ),
      },
      { header: 'Email', cell: (user) => user.email || '—' },
      { header: 'Role', cell: (user) => <RoleCell user={user} onChanged={onChanged} /> },
      { header: 'Registered', cell: (user) => formatDateTime(user.created_at) },
      { header: 'Last sign-in', cell: (user) => formatDateTime(user.last_login) },
      {
        header: 'Attendance',
        cell: (user) => (
          <a href={href(`/admin/users/${String(user.id)}/attendance`)}>
            Attendance<span class="visually-hidden"> of {nameOf(user)}</span>
          </a>
        ),
      },
      { header: 'Delete', cell: (user) => <DeleteCell user={user} onChanged={onChanged} /> },
    ],
  };
}

export function UsersPage() {
  const list = usePagedList(api.users, PAGE_SIZE, EMPTY);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section>
      <PageTitle>Users and roles</PageTitle>
      <PagedTable
        list={list}
        spec={spec((message) => {
          setNotice(message);
          list.loaded.reload();
        })}
        notice={notice}
      />
    </section>
  );
}
