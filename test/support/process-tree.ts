import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';

// What the tests of make dev use to prove that nothing it started outlives it: the processes
// below a pid, read from /proc, and whether a port still has a listener.

interface ProcessInfo {
  ppid: number;
  startTime: string;
  state: string;
}

/** /proc/<pid>/stat, parsed after the command name (which may itself hold spaces). */
function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** One process as it was seen: pid and start time together name it even after pid reuse. */
export interface Recorded {
  pid: number;
  startTime: string;
  command: string;
}

/** Every process below root, found by walking ppid links through /proc. */
export async function descendants(root: number): Promise<Recorded[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const info = processInfo(pid);
    if (info) children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
  }
  const found: Recorded[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const info = processInfo(pid);
    if (info) found.push({ pid, startTime: info.startTime, command: commandLine(pid) });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Same pid and start time, and not a zombie: the very process we recorded is still running. */
export function alive(recordedProcess: Recorded): boolean {
  const info = processInfo(recordedProcess.pid);
  return info !== undefined && info.startTime === recordedProcess.startTime && info.state !== 'Z';
}

/** True when nothing listens on the port of 127.0.0.1 any more. */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
