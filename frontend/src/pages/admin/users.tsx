import { useState } from 'preact/hooks';
import type { ListedUser, Role, UserPage } from '../../api/types.js';
import * as Filter from '../../components/filter.js';
import { choices, roleLabel, ROLES } from '../../components/labels.js';
import { PagedTable, usePagedList, type ListSpec } from '../../components/paged-table.js';
import { api, session } from '../../context.js';
import {
  DeleteButton,
  ErrorBox,
  formatDateTime,
  PageTitle,
  useAction,
} from '../../components/ui.js';
import { href } from '../../router.js';
import { t } from '../../i18n/i18n.js';

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
    if (reply) onChanged(t('users.roleChanged', { who, role: roleLabel(reply.new_role) }));
  };
  return (
    <form class="row-form" onSubmit={(e) => void save(e)}>
      <select
        aria-label={t('users.roleOf', { who })}
        value={role}
        onChange={(e) => {
          setRole(e.currentTarget.value as Role);
        }}
      >
        {ROLES.map((value) => (
          <option key={value} value={value}>
            {roleLabel(value)}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy || role === user.role}>
        {t('users.saveRole')}
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
    if (reply) onChanged(t('users.deleted', { who }));
  };
  return (
    <>
      <DeleteButton
        name={who}
        confirm={t('users.confirmDelete', { who })}
        busy={busy}
        onDelete={remove}
      />
      <ErrorBox error={error} />
    </>
  );
}

/** The list, with the rows' actions reporting to the page. */
function spec(onChanged: Changed): ListSpec<UserPage, ListedUser, typeof EMPTY> {
  return {
    form: {
      label: t('users.find'),
      search: true,
      submit: t('users.search'),
      fields: (filters) => (
        <>
          <Filter.Text
            filters={filters}
            name="q"
            label={t('users.search')}
            hint={t('users.searchHint')}
            type="search"
          />
          <Filter.Choice
            filters={filters}
            name="role"
            label={t('users.role')}
            choices={choices(ROLES, roleLabel)}
          />
        </>
      ),
    },
    label: t('users.label'),
    page: (data) => ({ rows: data.users, page: data.page, pages: data.pages_total }),
    caption: (data) => t('users.accounts', { count: data.total }),
    columns: [
      { header: t('users.id'), cell: (user) => user.id },
      {
        header: t('users.name'),
        rowHeader: true,
        cell: (user) => (
          <>
            {nameOf(user)}
            {session.user?.id === user.id && ` ${t('users.you')}`}
            <div class="hint">{user.username}</div>
          </>
        ),
      },
      { header: t('common.email'), cell: (user) => user.email || '—' },
      { header: t('users.role'), cell: (user) => <RoleCell user={user} onChanged={onChanged} /> },
      { header: t('users.registered'), cell: (user) => formatDateTime(user.created_at) },
      { header: t('users.lastSignIn'), cell: (user) => formatDateTime(user.last_login) },
      {
        header: t('users.attendance'),
        cell: (user) => (
          <a href={href(`/admin/users/${String(user.id)}/attendance`)}>
            {t('users.attendance')}
            <span class="visually-hidden"> {t('users.attendanceOf', { who: nameOf(user) })}</span>
          </a>
        ),
      },
      {
        header: t('common.delete'),
        cell: (user) => <DeleteCell user={user} onChanged={onChanged} />,
      },
    ],
  };
}

export function UsersPage() {
  const list = usePagedList(api.users, PAGE_SIZE, EMPTY);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section>
      <PageTitle>{t('users.title')}</PageTitle>
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
