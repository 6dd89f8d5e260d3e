import type { AttendanceStatus, AuthAction, ReportStatus, Role } from '../api/types.js';
import { en } from '../i18n/en.js';
import { messageFor } from '../i18n/i18n.js';

/*
 * What the API's enumerated values are called on screen: the catalogues' `status`,
 * `authAction` and `role` tables (src/i18n/en.ts, it.ts). Each table's keys are checked below
 * against the union the services' schemas declare (src/api/types.ts): a value added, renamed or
 * removed there is a type error here until the catalogues follow. The lists of choices are the
 * tables' keys, in the order written.
 */

/** `true` only when T's keys are exactly Union, else `false`. */
type SameKeys<T, Union extends string> = [keyof T] extends [Union]
  ? [Union] extends [keyof T]
    ? true
    : false
  : false;

type Catalogue = typeof en;
/** Compile-time only: each table's keys are exactly its union (else `true` is not assignable). */
export type LabelTablesChecked = [
  SameKeys<Catalogue['status'], ReportStatus>,
  SameKeys<Catalogue['authAction'], AuthAction>,
  SameKeys<Catalogue['role'], Role>,
] extends [true, true, true]
  ? true
  : never;
const checked: LabelTablesChecked = true;
export const LABEL_TABLES_CHECKED = checked;

type Table = 'status' | 'authAction' | 'role';

/** A value's label; a value this app does not know yet (a newer service) as it is. */
function labelOf(table: Table, value: string): string {
  return messageFor(`${table}.${value}`) ?? value;
}

function keysOf<Key extends string>(table: Table): Key[] {
  return Object.keys(en[table]) as Key[];
}

/** The attendance statuses one can set, in the order the original listed them. */
export const ATTENDANCE_STATUSES = keysOf<ReportStatus>('status').filter(
  (status): status is AttendanceStatus => status !== 'not_checked_in',
);
export const AUTH_ACTIONS = keysOf<AuthAction>('authAction');
export const ROLES = keysOf<Role>('role');

/** A status's label, the reports' own `not_checked_in` included. */
export const statusLabel = (status: string) => labelOf('status', status);
export const authActionLabel = (action: string) => labelOf('authAction', action);
export const roleLabel = (role: string) => labelOf('role', role);

/** value → label, for a choice list, in the current language. */
export function choices(values: readonly string[], label: (value: string) => string) {
  return Object.fromEntries(values.map((value) => [value, label(value)]));
}
