/**
 * A text cell made safe for spreadsheets: one that starts like a formula would be run when the
 * file is opened, and names come from users (OWASP's CSV injection), so it gets a leading `'`.
 */
export const defuse = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
