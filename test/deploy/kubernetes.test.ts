// deploy/kubernetes, checked offline (docs/kubernetes.md, "What is checked"): each overlay is
// rendered with kubectl's Kustomize, every object is validated against the Kubernetes API's
// schema, then against the project's rules. No cluster is involved.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TObject } from 'typebox';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@cloud-backend/shared';
import { configSchema as authSchema } from '../../auth-service/src/config.js';
import { configSchema as gatewaySchema } from '../../gateway/src/config.js';
import { configSchema as dashboardSchema } from '../../monitoring/dashboard-api/src/config.js';
import { configSchema as socialLogSchema } from '../../social-log-service/src/config.js';
import { configSchema as userSchema } from '../../user-service/src/config.js';
import { readCompose } from '../ops/compose-files.js';
import { readRepoFile, repoPath, requireTool, run } from '../ops/support.js';
import { checkKubectl, kubectl, render, type KubeObject } from './support/render.js';
import {
  allowedFlows,
  containerProblems,
  defaultDenyProblems,
  referenceProblems,
  dnsProblems,
  resolveEnv,
  secretProblems,
  serviceProblems,
  tokenProblems,
  workloads,
  type Container,
} from './support/rules.js';
import { schemaProblems } from './support/schema.js';

const KUBERNETES = repoPath('deploy/kubernetes');

/** Each Node service's Deployment, and the configuration schema its process loads. */
const SERVICES: Record<string, TObject> = {
  gateway: gatewaySchema,
  'auth-service': authSchema,
  'user-service': userSchema,
  'social-log-service': socialLogSchema,
  'dashboard-api': dashboardSchema,
};

/** The architecture's flows (README.md's diagram), in every overlay. */
const COMMON_FLOWS = [
  'namespace ingress-nginx -> web:8080',
  'web -> gateway:3000',
  'gateway -> auth-service:3001',
  'gateway -> user-service:3002',
  'gateway -> social-log-service:3003',
  'gateway -> dashboard-api:3005',
  'gateway -> prometheus:9090',
  'auth-service -> social-log-service:3003',
  'user-service -> social-log-service:3003',
  'dashboard-api -> prometheus:9090',
  'prometheus -> gateway:3000',
  'prometheus -> auth-service:3001',
  'prometheus -> user-service:3002',
  'prometheus -> social-log-service:3003',
  'prometheus -> dashboard-api:3005',
  // The Kubernetes API, for service discovery.
  'prometheus -> external:443',
  'prometheus -> external:6443',
];

const DATABASE_CLIENTS: Record<string, string[]> = {
  'auth-db': ['auth-service', 'user-service', 'dashboard-api', 'migrate-auth-service', 'pg-backup'],
  'user-db': ['user-service', 'dashboard-api', 'migrate-user-service', 'pg-backup'],
  'social-log-db': ['social-log-service', 'migrate-social-log-service', 'pg-backup'],
};

const OVERLAY_FLOWS: Record<string, string[]> = {
  dev: [
    ...Object.entries(DATABASE_CLIENTS).flatMap(([db, clients]) =>
      clients.map((client) => `${client} -> ${db}:5432`),
    ),
    'gateway -> redis:6379',
    'tls-certificate -> external:443',
    'tls-certificate -> external:6443',
  ],
  production: [
    ...[...new Set(Object.values(DATABASE_CLIENTS).flat())].map(
      (client) => `${client} -> external:5432`,
    ),
    'gateway -> external:6379',
    'gateway -> external:6380',
  ],
};

/** Variables a schema requires and gives no default for. */
function requiredVariables(schema: TObject): string[] {
  const properties = schema.properties as Record<string, { default?: unknown }>;
  return ((schema.required as string[] | undefined) ?? []).filter(
    (key) => properties[key]?.default === undefined,
  );
}

function serviceContainer(objects: KubeObject[], name: string): Container {
  const workload = workloads(objects).find(
    (candidate) => candidate.object.kind === 'Deployment' && candidate.name === name,
  );
  const container = workload?.spec.containers[0];
  if (!container) throw new Error(`no Deployment ${name}`);
  return container;
}

/**
 * Each service gets every variable its configuration requires and every one compose gives
 * it; in dev (where the Secrets are rendered) its whole environment passes its schema.
 */
function environmentProblems(objects: KubeObject[], resolveSecrets: boolean): string[] {
  const compose = readCompose('docker-compose.yml');
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(SERVICES)) {
    let container: Container;
    try {
      container = serviceContainer(objects, name);
    } catch (err) {
      problems.push(String(err));
      continue;
    }
    const names = new Set((container.env ?? []).map((variable) => variable.name));
    const wanted = new Set([
      ...requiredVariables(schema),
      ...Object.keys(compose.services[name]?.environment ?? {}),
    ]);
    for (const variable of wanted) {
      if (!names.has(variable)) problems.push(`Deployment/${name}: ${variable} is not set`);
    }
    if (!resolveSecrets) continue;
    const { env, unresolved } = resolveEnv(container, objects);
    for (const reference of unresolved) {
      problems.push(`Deployment/${name}: ${reference} is not in the overlay`);
    }
    try {
      loadConfig(schema, env);
    } catch (err) {
      problems.push(
        `Deployment/${name}: ${err instanceof ConfigError ? err.message : String(err)}`,
      );
    }
  }
  return problems;
}

function flowProblems(objects: KubeObject[], overlay: string): string[] {
  const expected = new Set([...COMMON_FLOWS, ...(OVERLAY_FLOWS[overlay] ?? [])]);
  const actual = new Set(allowedFlows(objects));
  return [
    ...[...actual].filter((flow) => !expected.has(flow)).map((flow) => `unexpected flow ${flow}`),
    ...[...expected].filter((flow) => !actual.has(flow)).map((flow) => `missing flow ${flow}`),
  ];
}

/** Everything this file checks of one rendered overlay. */
function problemsOf(objects: KubeObject[], overlay: string): string[] {
  return [
    ...schemaProblems(objects),
    ...containerProblems(objects),
    ...tokenProblems(objects),
    ...referenceProblems(objects, overlay === 'dev'),
    ...serviceProblems(objects, Object.keys(SERVICES)),
    ...defaultDenyProblems(objects),
    ...dnsProblems(objects),
    ...secretProblems(objects, overlay === 'dev'),
    ...environmentProblems(objects, overlay === 'dev'),
    ...flowProblems(objects, overlay),
  ];
}

/** The object of that kind and name (or, for a generated ConfigMap or Secret, name-<hash>). */
function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find(
    (object) =>
      object.kind === kind &&
      (object.metadata.name === name || object.metadata.name.startsWith(`${name}-`)),
  );
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

const rendered: Record<string, KubeObject[]> = {};

beforeAll(async () => {
  for (const overlay of ['dev', 'production']) {
    rendered[overlay] = await render(join(KUBERNETES, 'overlays', overlay));
  }
});

describe('deploy/kubernetes', () => {
  it('is rendered with a kubectl whose Kustomize is v5, and says what to install otherwise', async () => {
    await expect(kubectl()).resolves.toBeTruthy();
    const hint =
      /kubectl with Kustomize v5 is needed .*install kubectl 1\.27 or later .*"kubernetes-client" package is too old/;
    await expect(checkKubectl('/nonexistent/kubectl')).rejects.toThrow(hint);
    await expect(checkKubectl('/nonexistent/kubectl')).rejects.toThrow(
      '"/nonexistent/kubectl": not found',
    );
    // An old kubectl: Kustomize v4 (as kubectl 1.26 and older have).
    const dir = await mkdtemp(join(tmpdir(), 'k8s-old-kubectl-'));
    try {
      const old = join(dir, 'kubectl');
      await writeFile(old, `#!/bin/sh\necho '{"kustomizeVersion": "v4.5.7"}'\n`, { mode: 0o755 });
      await expect(checkKubectl(old)).rejects.toThrow(hint);
      await expect(checkKubectl(old)).rejects.toThrow('has Kustomize v4.5.7');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const overlay of ['dev', 'production']) {
    it(`overlays/${overlay}: every object passes the API schema and the project's rules`, () => {
      const objects = rendered[overlay] ?? [];
      expect(objects.length).toBeGreaterThan(40);
      expect(problemsOf(objects, overlay)).toEqual([]);
    });
  }

  it('production carries no secret value, and docs/kubernetes.md names every Secret key', () => {
    const objects = rendered.production ?? [];
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const docs = readRepoFile('docs/kubernetes.md');
    const references = new Set<string>();
    for (const workload of workloads(objects)) {
      for (const container of workload.spec.containers) {
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) references.add(`${ref.name} ${ref.key}`);
        }
      }
    }
    references.add('pg-backup pg_service.conf');
    references.add('cloud-backend-tls tls.crt');
    for (const reference of references) {
      const [secret = '', key = ''] = reference.split(' ');
      expect(docs, reference).toMatch(new RegExp(`\\| \`${secret}\`[^\\n]*\`${key}\``));
    }
  });

  it("renders docs/kubernetes.md's example kustomization over the production overlay", async () => {
    const docs = readRepoFile('docs/kubernetes.md');
    const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(example).toContain('overlays/production');
    const dir = await mkdtemp(join(tmpdir(), 'k8s-example-'));
    try {
      // Kustomize takes no absolute path of a folder outside the kustomization's own.
      const kustomization = example
        .replace(/^ {3}/gm, '')
        .replace('<path or git URL of this repository>', relative(dir, repoPath()))
        .replace('<owner>/<repository>', 'example/cloud-backend')
        .replace('<commit>', '0123abc');
      await writeFile(join(dir, 'kustomization.yaml'), kustomization);
      const objects = await render(dir);
      expect(serviceContainer(objects, 'gateway').image).toBe(
        'ghcr.io/example/cloud-backend/gateway:0123abc',
      );
      const ingress = find(objects, 'Ingress', 'cloud-backend').spec as {
        rules: { host: string }[];
        tls: { hosts: string[] }[];
      };
      expect(ingress.rules[0]?.host).toBe('attendance.example.org');
      expect(ingress.tls[0]?.hosts).toEqual(['attendance.example.org']);
      const env = serviceContainer(objects, 'gateway').env ?? [];
      expect(env.find((variable) => variable.name === 'CORS_ORIGINS')?.value).toBe(
        'https://attendance.example.org',
      );
      expect(env.map((variable) => variable.name)).toContain('JWT_SECRET');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs the migrations in a Job per service, with its image and the start-up code', () => {
    for (const overlay of ['dev', 'production']) {
      const objects = rendered[overlay] ?? [];
      for (const service of ['auth-service', 'user-service', 'social-log-service']) {
        const job = workloads(objects).find(
          (workload) => workload.label === `Job/migrate-${service}`,
        );
        const container = job?.spec.containers[0];
        expect(container?.command).toEqual(['node', '../shared/dist/migrate-command.js', 'up']);
        expect(container?.image).toBe(serviceContainer(objects, service).image);
        expect(container?.env?.map((variable) => variable.name)).toContain('DATABASE_URL');
      }
    }
    // What the command runs: shared's migrate command, as `make migrate` does in compose.
    expect(readRepoFile('Makefile')).toContain('node ../shared/dist/migrate-command.js up');
  });

  it('backs up with a CronJob: never two at once, verified dumps, five kept, on a volume', () => {
    const objects = rendered.production ?? [];
    const cronJob = find(objects, 'CronJob', 'pg-backup');
    const spec = cronJob.spec as { concurrencyPolicy: string };
    expect(spec.concurrencyPolicy).toBe('Forbid');
    const [workload] = workloads([cronJob]);
    const container = workload?.spec.containers[0];
    expect(container?.command).toEqual(['/app/backup.sh']);
    const env = Object.fromEntries(
      (container?.env ?? []).map((variable) => [variable.name, variable.value]),
    );
    expect(env).toMatchObject({ BACKUP_DIR: '/backups', BACKUP_KEEP: '5' });
    const volumes = (
      workload?.spec as {
        volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
      }
    ).volumes;
    const claim = volumes?.find((volume) => volume.name === 'backups')?.persistentVolumeClaim;
    expect(claim?.claimName).toBe('pg-backups');
    find(objects, 'PersistentVolumeClaim', 'pg-backups');
    // The dev Secret's service file names the databases the compose stack backs up.
    const devSecret = (rendered.dev ?? []).find(
      (object) => object.kind === 'Secret' && object.metadata.name.startsWith('pg-backup-'),
    );
    const file = Buffer.from(
      (devSecret?.data as Record<string, string>)['pg_service.conf'] ?? '',
      'base64',
    ).toString('utf8');
    expect([...file.matchAll(/^\[(.+)\]$/gm)].map((match) => match[1])).toEqual([
      'auth_logs_db',
      'users_db',
      'social_logs_db',
    ]);
  });

  it('scales the gateway, auth-service and user-service, and budgets disruptions', () => {
    const objects = rendered.production ?? [];
    const scaled = objects
      .filter((object) => object.kind === 'HorizontalPodAutoscaler')
      .map((object) => (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
    expect(scaled.sort()).toEqual(['auth-service', 'gateway', 'user-service']);
    const budgeted = objects
      .filter((object) => object.kind === 'PodDisruptionBudget')
      .map((object) => object.metadata.name);
    for (const name of [...Object.keys(SERVICES), 'web']) expect(budgeted).toContain(name);
  });

  it('has Prometheus discover every annotated pod, with a Role to list them', () => {
    const objects = rendered.production ?? [];
    const config = find(objects, 'ConfigMap', 'prometheus');
    const data = config.data as Record<string, string>;
    const prometheus = parse(data['prometheus.yml'] ?? '') as {
      scrape_configs: { job_name: string; kubernetes_sd_configs?: { role: string }[] }[];
    };
    const pods = prometheus.scrape_configs.find((job) => job.kubernetes_sd_configs);
    expect(pods?.kubernetes_sd_configs?.[0]?.role).toBe('pod');
    expect(data['alerts.yml']).toBe(readRepoFile('monitoring/prometheus/alerts.yml'));
    const role = find(objects, 'Role', 'prometheus');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const [deployment] = workloads([find(objects, 'Deployment', 'prometheus')]);
    expect(deployment?.spec.serviceAccountName).toBe('prometheus');
  });
});

describe('deploy/kubernetes copies', () => {
  it('keeps the copies of files Kustomize cannot reach outside its folders identical', async () => {
    const copies: [string, string][] = [
      ['deploy/kubernetes/base/prometheus/alerts.yml', 'monitoring/prometheus/alerts.yml'],
      [
        'deploy/kubernetes/overlays/dev/postgres/10-cloud-backend-roles.sh',
        'postgres/init/10-cloud-backend-roles.sh',
      ],
    ];
    for (const [copy, original] of copies) {
      expect(await readFile(repoPath(copy), 'utf8'), `copy ${original} to ${copy}`).toBe(
        readRepoFile(original),
      );
    }
  });

  it("sends the web app's files with compose nginx's headers", async () => {
    const headers = (text: string) =>
      text.split('\n').filter((line) => line.startsWith('add_header '));
    const compose = headers(readRepoFile('nginx/templates/static-headers.inc.template')).map(
      (line) => line.replace('${HSTS_MAX_AGE}', '63072000'),
    );
    const web = headers(await readFile(join(KUBERNETES, 'base/web/static-headers.conf'), 'utf8'));
    expect(web).toEqual(compose);
  });

  it("the web pod's nginx configuration passes nginx -t", async () => {
    requireTool('nginx', 'nginx-light');
    const dir = await mkdtemp(join(tmpdir(), 'k8s-web-nginx-'));
    try {
      // The gateway Service's name resolves only in a cluster; the includes live in dir.
      const config = (await readFile(join(KUBERNETES, 'base/web/nginx.conf'), 'utf8'))
        .replaceAll('/tmp/', `${dir}/`)
        .replace('access_log /dev/stdout', `access_log ${dir}/access.log`)
        .replaceAll('/etc/nginx/cloud-backend/', `${dir}/`)
        .replace('server gateway:3000;', 'server 127.0.0.1:3000;');
      await writeFile(join(dir, 'nginx.conf'), config);
      for (const include of ['proxy.conf', 'static-headers.conf']) {
        await cp(join(KUBERNETES, 'base/web', include), join(dir, include));
      }
      const result = run('nginx', [
        '-t',
        '-c',
        join(dir, 'nginx.conf'),
        '-p',
        dir,
        '-e',
        join(dir, 'error.log'),
      ]);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toContain('test is successful');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the dev certificate Job's script is valid sh", () => {
    const result = run('sh', ['-n', join(KUBERNETES, 'overlays/dev/tls/make-certificate.sh')]);
    expect(result.status, result.output).toBe(0);
  });
});

describe('a broken copy of deploy/kubernetes', () => {
  let copy = '';

  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'k8s-broken-'));
    await cp(KUBERNETES, copy, { recursive: true });
  });
  afterAll(async () => {
    await rm(copy, { recursive: true, force: true });
  });

  async function edit(path: string, from: string, to: string): Promise<void> {
    const file = join(copy, path);
    const text = await readFile(file, 'utf8');
    if (!text.includes(from)) throw new Error(`${path} has no "${from}"`);
    await writeFile(file, text.replace(from, to));
  }

  it('fails every check it breaks', async () => {
    const selector = (name: string) =>
      `        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ${name}\n`;
    const breaks: [string, string, string][] = [
      // The API schema: a count as text.
      ['base/gateway.yaml', 'revisionHistoryLimit: 5', "revisionHistoryLimit: 'five'"],
      // The project's rules: a writable root file system, a variable the gateway requires
      // renamed, an image without a tag, no default deny, one flow too many (web straight
      // to auth-service, allowed on both ends).
      ['base/auth-service.yaml', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'],
      [
        'base/gateway.yaml',
        '            - name: JWT_SECRET\n',
        '            - name: JWT_SECRET_OLD\n',
      ],
      ['base/prometheus/prometheus.yaml', 'prom/prometheus:v3.5.0', 'prom/prometheus'],
      // A name that refers to nothing: the Ingress's Service.
      ['base/ingress.yaml', 'name: web\n', 'name: website\n'],
      [
        'base/network-policies.yaml',
        'name: default-deny\nspec:\n  podSelector: {}',
        'name: default-deny\nspec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: none',
      ],
      [
        'base/network-policies.yaml',
        `${selector('prometheus')}      ports:\n        - port: 3001\n`,
        `${selector('prometheus')}${selector('web')}      ports:\n        - port: 3001\n`,
      ],
      [
        'base/network-policies.yaml',
        `  egress:\n    - to:\n${selector('gateway')}`,
        `  egress:\n    - to:\n${selector('auth-service')}    - to:\n${selector('gateway')}`,
      ],
      // A secret value in production.
      [
        'overlays/production/kustomization.yaml',
        '  - network-policies.yaml\n',
        '  - network-policies.yaml\n  - leak.yaml\n',
      ],
    ];
    for (const [path, from, to] of breaks) await edit(path, from, to);
    await writeFile(
      join(copy, 'overlays/production/leak.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\nstringData:\n  JWT_SECRET: a-real-secret\n',
    );

    const problems = problemsOf(await render(join(copy, 'overlays/production')), 'production');
    const expected = [
      /^Deployment\/gateway: .*spec\/revisionHistoryLimit must be integer/,
      /^Deployment\/auth-service container auth-service: root file system not readOnlyRootFilesystem$/,
      /^Deployment\/prometheus container prometheus: image "prom\/prometheus" not pinned by a tag$/,
      /^no default-deny NetworkPolicy/,
      /^Secret\/leak carries a value \(JWT_SECRET\)$/,
      /^Deployment\/gateway: JWT_SECRET is not set$/,
      /^unexpected flow web -> auth-service:3001$/,
      /^Ingress\/cloud-backend: no Service website with port http$/,
    ];
    for (const pattern of expected) {
      expect(
        problems.some((problem) => pattern.test(problem)),
        `${pattern}\n${problems.join('\n')}`,
      ).toBe(true);
    }
  });

  it('fails to render with a resource that does not exist, naming it', async () => {
    await edit(
      'overlays/dev/kustomization.yaml',
      '  - redis.yaml\n',
      '  - redis.yaml\n  - missing.yaml\n',
    );
    await expect(render(join(copy, 'overlays/dev'))).rejects.toThrow(/missing\.yaml/);
  });
});
