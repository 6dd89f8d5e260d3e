import { join } from 'node:path';
import { databaseUrl } from '../../../shared/src/dev/provision.js';
import { spawnTypeScript, waitForHttp } from '../../../shared/src/testing/processes.js';
import { loadOrCreateSecrets } from '../../../scripts/dev/secrets.js';
import { readSettings, serviceEnvironments } from '../../../scripts/dev/settings.js';
import { freePort, REPO_ROOT, type Stack } from './stack.js';

export interface UserReplica {
  /** http://127.0.0.1:port: user-service's own routes (/qr/scan, not /user/qr/scan). */
  url: string;
  stop(): Promise<void>;
}

/**
 * A second user-service beside the one `make dev` started for `stack`: the same database, the
 * same secrets and settings (scripts/dev/settings.ts computes its environment exactly as make
 * dev does for the first), on a port of its own. The gateway knows only the first, so what is
 * sent here is what another replica behind a load balancer would receive.
 */
export async function startUserReplica(stack: Stack): Promise<UserReplica> {
  const settings = readSettings(stack.env);
  // The file make dev wrote at its start; complete, so it is read, not rewritten.
  const secrets = await loadOrCreateSecrets(settings.dataDir);
  const admin = `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${String(settings.postgresPort)}/postgres`;
  const url = (database: string, role: keyof typeof secrets.roles) =>
    databaseUrl(admin, database, role, secrets.roles[role]);
  const port = await freePort();
  const environments = serviceEnvironments(
    stack.env,
    { ...settings, ports: { ...settings.ports, 'user-service': port } },
    {
      auth: url('auth', 'auth_service'),
      users: url('users', 'user_service'),
      socialLogs: url('social_logs', 'social_log_service'),
      authReadonly: url('auth', 'auth_readonly'),
      usersReadonly: url('users', 'users_readonly'),
    },
    {
      jwtSecret: settings.jwtSecretOverride ?? secrets.jwtSecret,
      internalToken: secrets.internalToken,
      admin: stack.admin,
    },
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
