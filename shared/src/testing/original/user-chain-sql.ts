/**
 * Our own SQL with the effect of each migration file of the original user-service, one array
 * entry per top-level statement of the original file (the same count, in the same order), so
 * that running them one by one fails on the same statements as `psql -f` on the real files.
 * Written from what the files do, not copied: the objects they leave (names, types, defaults,
 * constraints, indexes, views, functions) are the same, and so are the defects (a statement
 * that fails there fails here, a function that errors there errors here with the same message).
 */

import pg from 'pg';

/** Settings that make 0013's fake event row reproducible. */
export interface FakeDailyRowSettings {
  /** The date 0013 takes from CURRENT_DATE (`YYYY-MM-DD`); default: the server's. */
  today?: string;
  /** The random instant in the last 24 hours it stores as `timestamp`; default: random. */
  timestamp?: string;
}

// The per-event tables the original's loops visit: every table of the public schema whose
// name matches `attendance_%` (the `_` is LIKE's any-character, as in the original), except
// the events table. No ORDER BY, as there: the catalogue's order decides which of two tables
// whose derived index names collide gets the index.
const EVENT_TABLES = `select tablename from pg_tables
     where schemaname = 'public' and tablename like 'attendance_%' and tablename <> 'attendance_events'`;

const TWO_STATUSES = `status in (''present'', ''not_registered'')`;

/** 0001 as it is today: users with `created_at` and a (not unique) `username`. */
export const FILE_0001 = [
  `create table if not exists users (
    id serial primary key,
    name text not null,
    last_name text not null,
    username varchar(255),
    status text not null default 'active',
    created_at timestamptz not null default now()
  )`,
];

/** 0001 as first committed (555a367): a `timestamp` column, no `username`. */
export const FILE_0001_FIRST = [
  `create table if not exists users (
    id serial primary key,
    name text not null,
    last_name text not null,
    status text not null default 'active',
    "timestamp" timestamptz not null default now()
  )`,
];

export const FILE_0003 = [
  `create table if not exists attendance_events (
    id serial primary key,
    event_id varchar(100) unique not null,
    event_name varchar(255) not null,
    date date not null,
    qr_jwt text not null,
    qr_image_path text,
    expires_at timestamp not null,
    created_by integer references users (id),
    created_at timestamp default now(),
    is_active boolean default true
  )`,
  // Plain CREATE INDEX, so running the file a second time fails here.
  `create index idx_attendance_events_date on attendance_events (date)`,
  `create index idx_attendance_events_event_id on attendance_events (event_id)`,
  `create index idx_attendance_events_active on attendance_events (is_active)`,
];

/** 0004 today: two informational SELECTs and nothing else. */
export const FILE_0004 = [
  `select '0004: the static attendance table is no longer created' as status`,
  `select '0004: check-ins live in one table per event' as notice`,
];

/** 0004 as first committed (843fe14): the early static `attendance` table. */
export const FILE_0004_EARLY = [
  `create table if not exists attendance (
    id serial primary key,
    user_id integer not null references users (id),
    event_id varchar(100) not null,
    "timestamp" timestamp default now(),
    name varchar(100) not null,
    surname varchar(100) not null,
    status varchar(20) not null check (status in (
      'presente', 'vacation', 'hospital', 'family', 'sick', 'personal', 'business', 'other'
    )),
    motivazione text,
    created_at timestamp default now(),
    unique (user_id, event_id)
  )`,
  `create index idx_attendance_user_id on attendance (user_id)`,
  `create index idx_attendance_event_id on attendance (event_id)`,
  `create index idx_attendance_status on attendance (status)`,
  `create index idx_attendance_timestamp on attendance ("timestamp")`,
];

export const FILE_0005 = [
  `alter table users add column if not exists role varchar(20) default 'user'`,
  // No guard: a second run fails because the constraint exists.
  `alter table users add constraint check_role check (role in ('user', 'admin'))`,
];

export const FILE_0006 = [
  `alter table users add column if not exists email varchar(255) unique`,
  // Skipped (with its UNIQUE) when 0001 already made the column.
  `alter table users add column if not exists username varchar(255) unique`,
  // Fails unless the users table is the first 0001's.
  `alter table users rename column "timestamp" to created_at`,
  `alter table users add column if not exists updated_at timestamptz default now()`,
  `create index if not exists idx_users_email on users (email)`,
  `create index if not exists idx_users_username on users (username)`,
  // Both columns are rewritten whenever either one is missing.
  `update users set email = 'user' || id || '@local.system', username = 'user' || id
    where email is null or username is null`,
];

export const FILE_0007 = [
  // Skipped: 0005 made the column, so its default stays 'user'.
  `alter table users add column if not exists role varchar(50) default 'student'`,
  `create index if not exists idx_users_role on users (role)`,
  `update users set role = 'student' where role is null`,
];

export const FILE_0008 = [
  // Retro-fits every per-event table found. It is one statement, so one failing table (a
  // missing column, a row outside the two statuses) undoes the work on all of them.
  `create or replace function update_attendance_tables_for_automatic_system() returns void
  language plpgsql as $fn$
  declare
    found record;
    check_name text;
  begin
    for found in ${EVENT_TABLES}
    loop
      execute format('alter table %I add column if not exists name varchar(255)', found.tablename);
      execute format('alter table %I add column if not exists surname varchar(255)', found.tablename);
      execute format('alter table %I add column if not exists updated_at timestamptz default now()',
        found.tablename);
      execute format('alter table %I alter column status type varchar(50)', found.tablename);
      execute format('alter table %I alter column status set default ''not_registered''',
        found.tablename);
      check_name := format('chk_%I_status', found.tablename);
      execute format('alter table %I drop constraint if exists %s', found.tablename, check_name);
      -- The check comes before the clean-up below, so a row with another status makes it fail
      -- and the clean-up never has anything to do.
      execute format('alter table %I add constraint %s check (${TWO_STATUSES})',
        found.tablename, check_name);
      execute format('update %I set status = ''not_registered'' where not (${TWO_STATUSES})',
        found.tablename);
      execute format('create index if not exists idx_%I_status on %I (status)',
        found.tablename, found.tablename);
      execute format('create index if not exists idx_%I_updated_at on %I (updated_at)',
        found.tablename, found.tablename);
      execute format('create index if not exists idx_%I_scanned_at on %I (scanned_at)',
        found.tablename, found.tablename);
    end loop;
  end
  $fn$`,
  `select update_attendance_tables_for_automatic_system()`,
  // Fills a per-event table with every user as not_registered, one insert per user.
  `create or replace function populate_event_users_automatic(event_table_name text) returns void
  language plpgsql as $fn$
  declare
    person record;
  begin
    for person in select id, name, last_name from users order by name, last_name
    loop
      execute format('insert into %I (user_id, name, surname, status, scanned_at, updated_at)
        values ($1, $2, $3, $4, null, now()) on conflict (user_id) do nothing', event_table_name)
        using person.id, person.name, person.last_name, 'not_registered';
    end loop;
  end
  $fn$`,
  `alter table attendance_events add column if not exists total_users integer default 0`,
  `alter table attendance_events add column if not exists present_count integer default 0`,
  `alter table attendance_events add column if not exists scan_success_count integer default 0`,
  `alter table attendance_events add column if not exists scan_error_count integer default 0`,
  `alter table attendance_events add column if not exists last_scan_at timestamptz`,
  `alter table attendance_events add column if not exists system_notes text`,
  `create index if not exists idx_attendance_events_created_by on attendance_events (created_by)`,
  // Already made by 0003: skipped.
  `create index if not exists idx_attendance_events_date on attendance_events (date)`,
  // The same column as 0003's idx_attendance_events_active, under a second name.
  `create index if not exists idx_attendance_events_is_active on attendance_events (is_active)`,
  `create index if not exists idx_attendance_events_last_scan on attendance_events (last_scan_at)`,
  `create or replace view event_attendance_stats_automatic as
  select ev.id, ev.event_id, ev.event_name, ev.date, ev.created_by,
         creator.name || ' ' || creator.last_name as creator_name,
         ev.total_users, ev.present_count, ev.scan_success_count, ev.scan_error_count,
         case when ev.total_users > 0
              then round(ev.present_count::numeric / ev.total_users * 100, 2)
              else 0 end as attendance_percentage,
         case when ev.scan_success_count + ev.scan_error_count > 0
              then round(ev.scan_success_count::numeric
                         / (ev.scan_success_count + ev.scan_error_count) * 100, 2)
              else 100 end as scan_success_rate,
         ev.last_scan_at, ev.system_notes, ev.created_at, ev.is_active
    from attendance_events ev
    left join users creator on creator.id = ev.created_by
   order by ev.created_at desc`,
  `drop function if exists update_attendance_tables_for_automatic_system()`,
];

export const FILE_0010 = [
  `select '0010: disabled, 0008 does its work' as result`,
  // A stray END: outside a transaction the server only warns.
  `end`,
  // The rest of the file opens a dollar quote that never closes; psql sends it at the end of
  // the file and the server rejects it.
  `$$ language plpgsql;
-- (the remainder of the original file: a function call, comments and a closing message,
-- all inside the unterminated quote)
select 'never run' as result;
`,
];

export const FILE_0011 = [`select '0011: disabled, the service sets statuses itself' as result`];

export const FILE_0012 = [
  // Removes the triggers that the deleted 0009 (tr_<t>_auto_present) and an earlier 0011
  // (tr_<t>_update_timestamp) put on per-event tables.
  `do $blk$
  declare
    found record;
  begin
    for found in ${EVENT_TABLES}
    loop
      execute format('drop trigger if exists tr_%I_auto_present on %I', found.tablename,
        found.tablename);
      execute format('drop trigger if exists tr_%I_update_timestamp on %I', found.tablename,
        found.tablename);
    end loop;
  end
  $blk$`,
  // A 7-column, 2-status per-event table (the shape the never-compiled services code wanted).
  `create or replace function create_attendance_table_automatic(table_name text) returns void
  language plpgsql as $fn$
  begin
    execute format('create table if not exists %I (
        id serial primary key,
        user_id integer references users (id),
        name varchar(255),
        surname varchar(255),
        status varchar(50) default ''not_registered'' check (${TWO_STATUSES}),
        scanned_at timestamptz,
        updated_at timestamptz default now(),
        unique (user_id)
      )', table_name);
    execute format('create index if not exists idx_%I_user_id on %I (user_id)', table_name,
      table_name);
    execute format('create index if not exists idx_%I_status on %I (status)', table_name,
      table_name);
    execute format('create index if not exists idx_%I_scanned_at on %I (scanned_at)', table_name,
      table_name);
    execute format('create index if not exists idx_%I_updated_at on %I (updated_at)', table_name,
      table_name);
  end
  $fn$`,
  // Every user into the table as not_registered; returns how many inserts it attempted.
  `create or replace function populate_automatic_event_users(event_table_name text)
  returns integer
  language plpgsql as $fn$
  declare
    person record;
    attempted integer := 0;
  begin
    for person in select id, name, last_name from users order by name, last_name
    loop
      execute format('insert into %I (user_id, name, surname, status, scanned_at, updated_at)
        values ($1, $2, $3, ''not_registered'', null, now()) on conflict (user_id) do nothing',
        event_table_name) using person.id, person.name, person.last_name;
      attempted := attempted + 1;
    end loop;
    return attempted;
  end
  $fn$`,
  `create or replace function setup_automatic_attendance_event(event_table_name text)
  returns text
  language plpgsql as $fn$
  declare
    attempted integer;
  begin
    perform create_attendance_table_automatic(event_table_name);
    attempted := populate_automatic_event_users(event_table_name);
    return format('Automatic QR attendance table setup complete: %s with %s users',
      event_table_name, attempted);
  end
  $fn$`,
  // Broken as the original is: the parameter event_id and the local present_count share their
  // names with columns of attendance_events (ambiguous references), and that table has no
  // updated_at. It fails on its UPDATE, after reading the per-event table.
  `create or replace function update_event_statistics(event_table_name text, event_id integer)
  returns void
  language plpgsql as $fn$
  declare
    total_users_count integer;
    present_count integer;
    last_scan timestamptz;
  begin
    execute format('select count(*) from %I', event_table_name) into total_users_count;
    execute format('select count(*) from %I where status = ''present''', event_table_name)
      into present_count;
    execute format('select max(scanned_at) from %I where scanned_at is not null',
      event_table_name) into last_scan;
    update attendance_events
       set total_users = total_users_count,
           present_count = present_count,
           last_scan_at = last_scan,
           updated_at = now()
     where id = event_id;
  end
  $fn$`,
  // Broken the same way (event_id is ambiguous, updated_at does not exist) on both branches.
  `create or replace function track_qr_scan_result(event_id integer, scan_success boolean,
    error_message text default null)
  returns void
  language plpgsql as $fn$
  begin
    if scan_success then
      update attendance_events
         set scan_success_count = coalesce(scan_success_count, 0) + 1,
             last_scan_at = now(),
             updated_at = now()
       where id = event_id;
    else
      update attendance_events
         set scan_error_count = coalesce(scan_error_count, 0) + 1,
             system_notes = case when system_notes is null then error_message
                                 else system_notes || '; ' || error_message end,
             updated_at = now()
       where id = event_id;
    end if;
  end
  $fn$`,
  `drop function if exists auto_set_present_on_scan() cascade`,
  `drop function if exists update_status_on_scan() cascade`,
  `drop function if exists create_attendance_trigger(text) cascade`,
  `drop function if exists create_attendance_trigger_no_autoset(text) cascade`,
  `drop function if exists setup_new_attendance_table(text) cascade`,
  `drop function if exists add_attendance_performance_indexes(text) cascade`,
  // The two-status check again on every per-event table, then the (never needed) clean-up:
  // as in 0008, a row with another status makes the whole block fail.
  `do $blk$
  declare
    found record;
    check_name text;
  begin
    for found in ${EVENT_TABLES}
    loop
      check_name := format('chk_%I_status', found.tablename);
      execute format('alter table %I drop constraint if exists %s', found.tablename, check_name);
      execute format('alter table %I add constraint %s check (${TWO_STATUSES})',
        found.tablename, check_name);
      execute format('update %I set status = ''not_registered'' where not (${TWO_STATUSES})',
        found.tablename);
    end loop;
  end
  $blk$`,
  `create or replace view automatic_qr_admin_monitoring as
  select ev.id as event_id, ev.event_name, ev.date, ev.created_by,
         creator.name || ' ' || creator.last_name as creator_name,
         ev.total_users, ev.present_count, ev.scan_success_count, ev.scan_error_count,
         case when ev.total_users > 0
              then round(ev.present_count::numeric / ev.total_users * 100, 2)
              else 0 end as attendance_percentage,
         case when ev.scan_success_count + ev.scan_error_count > 0
              then round(ev.scan_success_count::numeric
                         / (ev.scan_success_count + ev.scan_error_count) * 100, 2)
              else null end as scan_success_rate,
         ev.last_scan_at,
         case when ev.last_scan_at is null then 'No scans yet'
              when ev.last_scan_at < now() - interval '1 hour' then 'Inactive'
              else 'Active' end as event_status,
         ev.system_notes, ev.created_at, ev.is_active
    from attendance_events ev
    left join users creator on creator.id = ev.created_by
   where ev.created_at >= now() - interval '30 days'
   order by ev.created_at desc`,
  `select '0012: automatic QR attendance set up' as result`,
];

/** 0013, with its CURRENT_DATE and random() replaceable for reproducible tests. */
export function file0013(fake: FakeDailyRowSettings = {}): string[] {
  const today = fake.today === undefined ? 'current_date' : `${pg.escapeLiteral(fake.today)}::date`;
  const stamp =
    fake.timestamp === undefined
      ? `now() - random() * interval '24 hours'`
      : `${pg.escapeLiteral(fake.timestamp)}::timestamptz`;
  return [
    // Existing rows get the moment of this ALTER (a non-volatile default fills them), so the
    // back-fill below finds no NULL to fill.
    `alter table attendance_events add column if not exists "timestamp" timestamp default now()`,
    `update attendance_events set "timestamp" = created_at where "timestamp" is null`,
    `create index if not exists idx_attendance_events_timestamp on attendance_events ("timestamp")`,
    // A made-up event for today unless an event of today exists; no creator.
    `insert into attendance_events (event_id, event_name, date, qr_jwt, expires_at, "timestamp",
       is_active)
     select 'daily-' || ${today}, 'Daily Attendance Check', ${today},
            'sample.jwt.token.for.analytics', ${today} + interval '1 day', ${stamp}, true
      where not exists (select 1 from attendance_events where date = ${today})`,
  ];
}
