/** Why the embedded PostgreSQL did not start, in one line that says what to do; never a stack. */
export class PostgresStartError extends Error {
  constructor(
    message: string,
    readonly reason: 'port-in-use' | 'other' = 'other',
  ) {
    super(message);
    this.name = 'PostgresStartError';
  }
}
