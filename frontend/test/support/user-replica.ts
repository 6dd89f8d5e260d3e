import { join } from 'node:path';
import { spawnTypeScript, waitForHttp } from '../../../shared/src/testing/processes.js';
import { serviceEnvironments } from '../../../scripts/dev/settings.js';
import { freePort, REPO_ROOT, type Stack } from './stack.js';

export interface UserReplica {
  /** http://127.0.0.1:port: user-service's own routes (/qr/scan, not /user/qr/scan). */
  url: string;
  stop(): Promise<void>;
}

/**
 * A second user-service beside the stack's first: the same database, the same secrets and
 * settings (scripts/dev/settings.ts computes its environment exactly as it computed the
 * first's, as make dev does), on a port of its own. The gateway knows only the first, so what is
 * sent here is what another replica behind a load balancer would receive.
 */
export async function startUserReplica(stack: Stack): Promise<UserReplica> {
  const port = await freePort();
  const { settings } = stack;
  const environments = serviceEnvironments(
    stack.env,
    { ...settings, ports: { ...settings.ports, 'user-service': port } },
    stack.databases,
    stack.secrets,
  );
  const replica = spawnTypeScript(
    join(REPO_ROOT, 'user-service/src/server.ts'),
    environments['user-service'],
    { cwd: REPO_ROOT },
  );
  const base = `http://127.0.0.1:${String(port)}`;
  const stop = async () => {
    if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
    replica.child.kill('SIGTERM');
    const timeout = setTimeout(() => replica.child.kill('SIGKILL'), 20_000);
    await replica.exited;
    clearTimeout(timeout);
  };
  try {
    await Promise.race([
      waitForHttp(`${base}/health/ready`, 90_000),
      replica.exited.then((code) => {
        throw new Error(
          `the second user-service exited with ${String(code)}:\n${replica.output()}`,
        );
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: base, stop };
}
