import { readdirSync, readFileSync } from 'node:fs';

interface Stat {
  ppid: number;
  /** utime + stime + cutime + cstime, in seconds: its own CPU and that of children it reaped. */
  cpu: number;
}

/** Every process's parent and CPU time, from /proc (Linux). */
function readStats(): Map<number, Stat> {
  const stats = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime: fields 14 to 17 of stat(5), in clock ticks (100 a second).
      const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
      stats.set(Number(entry), { ppid: Number(fields[1]), cpu: ticks / 100 });
    } catch {
      // gone meanwhile
    }
  }
  return stats;
}

/**
 * CPU seconds used so far by each child of this process and everything under it, keyed by
 * `name(pid)` of the child (undefined: the name `other`). Differences between two readings
 * give what each part of a benchmark's stack spent, whatever else the machine runs, which a
 * latency on a shared machine does not.
 */
export function cpuByChild(name: (pid: number) => string | undefined): Map<string, number> {
  const stats = readStats();
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const tree = (pid: number): number =>
    (stats.get(pid)?.cpu ?? 0) + (children.get(pid) ?? []).reduce((sum, c) => sum + tree(c), 0);
  const totals = new Map<string, number>();
  for (const child of children.get(process.pid) ?? []) {
    const key = name(child) ?? 'other';
    totals.set(key, (totals.get(key) ?? 0) + tree(child));
  }
  return totals;
}
