/**
 * A failure the operator can act on. The command prints its message as one line and exits
 * non-zero; anything else reaching the top is a bug, reported in one line too.
 */
export class ImportError extends Error {
  constructor(
    message: string,
    /** The exit code: 1 for bad input or a refused import, 2 for a check-in that would be lost. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The message of anything thrown, on one line. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
