/**
 * The live streams each admin holds open through this gateway replica. A stream is a
 * connection held for hours, so its number is bounded per admin (LIVE_STREAMS_PER_ADMIN) as
 * requests are per minute; the count is per replica, like the rate limits without Redis.
 */
export class OpenStreams {
  private readonly counts = new Map<number, number>();

  constructor(readonly perAdmin: number) {}

  /** Takes a place for the user; undefined when they already hold the maximum. */
  take(userId: number): (() => void) | undefined {
    const held = this.counts.get(userId) ?? 0;
    if (held >= this.perAdmin) return undefined;
    this.counts.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.counts.get(userId) ?? 1) - 1;
      if (now <= 0) this.counts.delete(userId);
      else this.counts.set(userId, now);
    };
  }
}
