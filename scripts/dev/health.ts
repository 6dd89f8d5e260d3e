import { setTimeout as sleep } from 'node:timers/promises';

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Polls every URL until each has answered 200 once. Resolves with the names that never did
 * within timeoutMs (empty when all are up), or early when `cancelled` says to stop waiting.
 */
export async function waitForHealth(
  urls: Record<string, string>,
  timeoutMs: number,
  cancelled: () => boolean,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(Object.keys(urls));
  while (pending.size > 0 && Date.now() < deadline && !cancelled()) {
    const results = await Promise.all(
      [...pending].map(async (name) => [name, await answers(urls[name] ?? '')] as const),
    );
    for (const [name, up] of results) if (up) pending.delete(name);
    if (pending.size > 0) await sleep(200);
  }
  return [...pending];
}
