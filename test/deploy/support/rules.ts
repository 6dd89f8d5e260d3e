// The project's own rules for the rendered manifests (docs/kubernetes.md, "What is checked").
// Each function returns the problems it found, one readable line each; none means the rule
// holds.
import type { KubeObject } from './render.js';

type Json = Record<string, unknown>;

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { containerPort: number; name?: string }[];
  resources?: { requests?: Json; limits?: Json };
  securityContext?: Json & { capabilities?: { drop?: string[] } };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] } } };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string };
  exec?: { command?: string[] };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Json;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: unknown[];
}

/** A pod template of a workload, with what names it. */
export interface Workload {
  object: KubeObject;
  label: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'CronJob']);

/** The pod templates of every Deployment, StatefulSet, Job and CronJob. */
export function workloads(objects: KubeObject[]): Workload[] {
  return objects
    .filter((object) => WORKLOAD_KINDS.has(object.kind))
    .map((object) => {
      const spec = object.spec as Json;
      const template = (
        object.kind === 'CronJob'
          ? ((spec.jobTemplate as Json).spec as Json).template
          : spec.template
      ) as { metadata?: Json; spec: PodSpec };
      const labels = (template.metadata?.labels ?? {}) as Record<string, string>;
      return {
        object,
        label: `${object.kind}/${object.metadata.name}`,
        name: labels['app.kubernetes.io/name'] ?? object.metadata.name,
        labels,
        annotations: (template.metadata?.annotations ?? {}) as Record<string, string>,
        spec: template.spec,
      };
    });
}

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet']);

/**
 * Every container: requests and limits (CPU and memory), non-root, read-only root file
 * system, no privilege escalation, every capability dropped, an image pinned by tag; and
 * for a Deployment or StatefulSet, startup, readiness and liveness probes.
 */
export function containerProblems(objects: KubeObject[]): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects)) {
    const podNonRoot = workload.spec.securityContext?.runAsNonRoot === true;
    const all = [...(workload.spec.initContainers ?? []), ...workload.spec.containers];
    for (const container of all) {
      const at = `${workload.label} container ${container.name}`;
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (container.resources?.[kind]?.[resource] === undefined) {
            problems.push(`${at}: no ${resource} ${kind}`);
          }
        }
      }
      const security = container.securityContext ?? {};
      if (!podNonRoot && security.runAsNonRoot !== true) problems.push(`${at}: not runAsNonRoot`);
      if (security.readOnlyRootFilesystem !== true) {
        problems.push(`${at}: root file system not readOnlyRootFilesystem`);
      }
      if (security.allowPrivilegeEscalation !== false) {
        problems.push(`${at}: allowPrivilegeEscalation is not false`);
      }
      if (!security.capabilities?.drop?.includes('ALL')) {
        problems.push(`${at}: capabilities not dropped (drop: [ALL])`);
      }
      const image = container.image ?? '';
      const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1];
      if (!tag || tag === 'latest') problems.push(`${at}: image "${image}" not pinned by a tag`);
      if (LONG_RUNNING.has(workload.object.kind)) {
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
          if (!container[probe]) problems.push(`${at}: no ${probe}`);
        }
      }
    }
  }
  return problems;
}

/** Pods get a service-account token only when their account is bound to a Role. */
export function tokenProblems(objects: KubeObject[]): string[] {
  const bound = new Set(
    objects
      .filter((object) => object.kind === 'RoleBinding')
      .flatMap((object) => (object.subjects as { kind: string; name: string }[] | undefined) ?? [])
      .filter((subject) => subject.kind === 'ServiceAccount')
      .map((subject) => subject.name),
  );
  return workloads(objects).flatMap((workload) => {
    const account = workload.spec.serviceAccountName;
    if (workload.spec.automountServiceAccountToken === false) return [];
    if (account && bound.has(account) && workload.spec.automountServiceAccountToken === true) {
      return [];
    }
    return [`${workload.label}: mounts a service-account token it has no Role for`];
  });
}

/** The value of a plain env variable of a container, if it has one. */
export function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

/**
 * The Node services: probes on /health/ready (readiness) and /health (liveness and
 * start-up) with at least two minutes for migrations; a preStop pause; a grace period that
 * covers the pause plus SHUTDOWN_TIMEOUT_MS; spread over nodes; scraped by Prometheus on
 * the container's port.
 */
export function serviceProblems(objects: KubeObject[], services: string[]): string[] {
  const problems: string[] = [];
  for (const name of services) {
    const workload = workloads(objects).find(
      (candidate) => candidate.object.kind === 'Deployment' && candidate.name === name,
    );
    if (!workload) {
      problems.push(`no Deployment ${name}`);
      continue;
    }
    const at = workload.label;
    const container = workload.spec.containers[0];
    if (!container) continue;
    if (container.readinessProbe?.httpGet?.path !== '/health/ready') {
      problems.push(`${at}: readinessProbe is not GET /health/ready`);
    }
    if (container.livenessProbe?.httpGet?.path !== '/health') {
      problems.push(`${at}: livenessProbe is not GET /health`);
    }
    const startup = container.startupProbe;
    const startupSeconds = (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
    if (startupSeconds < 120) {
      problems.push(`${at}: startupProbe allows ${startupSeconds} s, under 120 s for migrations`);
    }
    const pause = container.lifecycle?.preStop?.exec?.command;
    const pauseSeconds = pause?.[0] === 'sleep' ? Number(pause[1]) : NaN;
    if (!(pauseSeconds > 0)) problems.push(`${at}: no preStop sleep`);
    const shutdownMs = Number(envValue(container, 'SHUTDOWN_TIMEOUT_MS') ?? 10000);
    const grace = workload.spec.terminationGracePeriodSeconds ?? 30;
    if (!(grace >= pauseSeconds + shutdownMs / 1000 + 1)) {
      problems.push(
        `${at}: terminationGracePeriodSeconds ${grace} does not cover the preStop pause ` +
          `(${pauseSeconds} s) plus SHUTDOWN_TIMEOUT_MS (${shutdownMs} ms)`,
      );
    }
    if (!workload.spec.topologySpreadConstraints?.length) {
      problems.push(`${at}: no topologySpreadConstraints`);
    }
    const port = String(container.ports?.[0]?.containerPort);
    if (
      workload.annotations['prometheus.io/scrape'] !== 'true' ||
      workload.annotations['prometheus.io/port'] !== port
    ) {
      problems.push(`${at}: not annotated for Prometheus on port ${port}`);
    }
  }
  return problems;
}

/** A NetworkPolicy that selects every pod and allows nothing, both ways. */
export function defaultDenyProblems(objects: KubeObject[]): string[] {
  const found = objects.some((object) => {
    if (object.kind !== 'NetworkPolicy') return false;
    const spec = object.spec as Json;
    const selector = spec.podSelector as Json;
    const types = (spec.policyTypes as string[] | undefined) ?? [];
    return (
      Object.keys(selector).length === 0 &&
      types.includes('Ingress') &&
      types.includes('Egress') &&
      !spec.ingress &&
      !spec.egress
    );
  });
  return found
    ? []
    : ['no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rule)'];
}

/**
 * Secrets carry no value, except the public development ones: every value contains
 * `development-only`, or is one of `public` (keys whose value is no secret).
 */
export function secretProblems(objects: KubeObject[], allowDevelopment: boolean): string[] {
  const publicKeys = new Set(['ADMIN_EMAIL', 'REDIS_URL']);
  const problems: string[] = [];
  for (const object of objects.filter((candidate) => candidate.kind === 'Secret')) {
    const values = { ...secretValues(object) };
    const keys = Object.keys(values);
    if (!allowDevelopment && keys.length > 0) {
      problems.push(`Secret/${object.metadata.name} carries a value (${keys.join(', ')})`);
      continue;
    }
    for (const key of keys) {
      if (!publicKeys.has(key) && !values[key]?.includes('development-only')) {
        problems.push(`Secret/${object.metadata.name} key ${key} is not a development value`);
      }
    }
  }
  return problems;
}

/** A Secret's values, decoded. */
export function secretValues(object: KubeObject): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(
    (object.data as Record<string, string> | undefined) ?? {},
  )) {
    values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  Object.assign(values, (object.stringData as Record<string, string> | undefined) ?? {});
  return values;
}

/**
 * A container's environment as the pod would see it: plain values, and the values of the
 * Secrets it names when they are among `objects`. Returns the variables and the secret
 * references that could not be resolved.
 */
export function resolveEnv(
  container: Container,
  objects: KubeObject[],
): { env: Record<string, string>; unresolved: string[] } {
  const env: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value;
      continue;
    }
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = objects.find(
      (object) => object.kind === 'Secret' && object.metadata.name === ref.name,
    );
    const value = secret ? secretValues(secret)[ref.key] : undefined;
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional)
      unresolved.push(`${variable.name} (Secret ${ref.name}, key ${ref.key})`);
  }
  return { env, unresolved };
}

// ------------------------------------------------------------------------- network flows

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number; protocol?: string }[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

function matches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const inValues = value !== undefined && (expression.values ?? []).includes(value);
    if (expression.operator === 'In' && !inValues) return false;
    if (expression.operator === 'NotIn' && inValues) return false;
    if (expression.operator === 'Exists' && value === undefined) return false;
    if (expression.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

/** What a peer names: a pod of this namespace, another namespace's pods, or addresses. */
function peerName(peer: Peer, pods: Workload[]): string[] {
  if (peer.ipBlock) return ['external'];
  if (peer.namespaceSelector) {
    const namespace = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
    return [`namespace ${namespace ?? '(any)'}`];
  }
  return pods.filter((pod) => matches(peer.podSelector ?? {}, pod.labels)).map((pod) => pod.name);
}

function ruleAllows(
  rule: Rule,
  peers: Peer[] | undefined,
  peer: string,
  port: number,
  pods: Workload[],
) {
  const peerOk =
    !peers || peers.length === 0 || peers.some((p) => peerName(p, pods).includes(peer));
  const portOk = !rule.ports || rule.ports.some((p) => p.port === undefined || p.port === port);
  return peerOk && portOk;
}

/**
 * Every flow the NetworkPolicies allow, as "source -> destination:port", where source and
 * destination are pods (by app.kubernetes.io/name), "namespace X" or "external" (an ipBlock).
 * A flow between two pods needs the egress of one and the ingress of the other; DNS (port
 * 53) is left out.
 */
export function allowedFlows(objects: KubeObject[]): string[] {
  const pods = workloads(objects);
  const policies = objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => object.spec as PolicySpec);
  const selecting = (pod: Workload, type: string) =>
    policies.filter(
      (policy) =>
        matches(policy.podSelector, pod.labels) &&
        (policy.policyTypes ?? ['Ingress']).includes(type),
    );
  const egress = (pod: Workload, peer: string, port: number) => {
    const applied = selecting(pod, 'Egress');
    return (
      applied.length === 0 ||
      applied.some((policy) =>
        (policy.egress ?? []).some((rule) => ruleAllows(rule, rule.to, peer, port, pods)),
      )
    );
  };
  const ingress = (pod: Workload, peer: string, port: number) => {
    const applied = selecting(pod, 'Ingress');
    return (
      applied.length === 0 ||
      applied.some((policy) =>
        (policy.ingress ?? []).some((rule) => ruleAllows(rule, rule.from, peer, port, pods)),
      )
    );
  };
  const flows = new Set<string>();
  const ports = (pod: Workload) =>
    pod.spec.containers.flatMap((container) => (container.ports ?? []).map((p) => p.containerPort));
  for (const target of pods) {
    for (const port of ports(target)) {
      for (const source of pods) {
        if (
          source !== target &&
          egress(source, target.name, port) &&
          ingress(target, source.name, port)
        ) {
          flows.add(`${source.name} -> ${target.name}:${port}`);
        }
      }
      // From outside the namespace: the peers its ingress rules name.
      for (const policy of selecting(target, 'Ingress')) {
        for (const rule of policy.ingress ?? []) {
          for (const peer of rule.from ?? []) {
            const outside = peerName(peer, pods).filter(
              (name) => !pods.some((pod) => pod.name === name),
            );
            for (const name of outside) {
              if (ruleAllows(rule, rule.from, name, port, pods))
                flows.add(`${name} -> ${target.name}:${port}`);
            }
          }
        }
      }
    }
    // To addresses outside the cluster's pods (ipBlock), on the ports the rules name.
    for (const policy of selecting(target, 'Egress')) {
      for (const rule of policy.egress ?? []) {
        if (!(rule.to ?? []).some((peer) => peer.ipBlock)) continue;
        for (const port of rule.ports ?? []) {
          if (port.port !== undefined) flows.add(`${target.name} -> external:${port.port}`);
        }
      }
    }
  }
  return [...flows].sort();
}

/** The DNS policy: every pod may ask kube-dns, and nothing else on port 53. */
export function dnsProblems(objects: KubeObject[]): string[] {
  const ok = objects.some((object) => {
    if (object.kind !== 'NetworkPolicy') return false;
    const spec = object.spec as PolicySpec;
    return (
      Object.keys(spec.podSelector).length === 0 &&
      (spec.egress ?? []).some(
        (rule) =>
          (rule.ports ?? []).some((port) => port.port === 53) &&
          (rule.to ?? []).some((peer) => peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns'),
      )
    );
  });
  return ok ? [] : ['no NetworkPolicy lets every pod reach kube-dns on port 53'];
}

// ---------------------------------------------------------------------------- references

interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
  persistentVolumeClaim?: { claimName: string };
}

/**
 * Every name an object uses refers to an object of the render: the ConfigMaps, Secrets (when
 * the overlay renders them), claims and service accounts of the pods, the Secret keys of their
 * environment, the pods a Service, PodDisruptionBudget or HPA selects, an Ingress's Service
 * and port.
 */
export function referenceProblems(objects: KubeObject[], secretsRendered: boolean): string[] {
  const problems: string[] = [];
  const has = (kind: string, name: string) =>
    objects.some((object) => object.kind === kind && object.metadata.name === name);
  const pods = workloads(objects);
  for (const workload of pods) {
    const at = workload.label;
    const spec = workload.spec as PodSpec & { volumes?: Volume[] };
    const templates = (
      (workload.object.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] })
        .volumeClaimTemplates ?? []
    ).map((template) => template.metadata.name);
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap && !has('ConfigMap', volume.configMap.name)) {
        problems.push(`${at}: volume ${volume.name} names no ConfigMap ${volume.configMap.name}`);
      }
      if (secretsRendered && volume.secret && !has('Secret', volume.secret.secretName)) {
        problems.push(`${at}: volume ${volume.name} names no Secret ${volume.secret.secretName}`);
      }
      const claim = volume.persistentVolumeClaim?.claimName;
      if (claim && !has('PersistentVolumeClaim', claim)) {
        problems.push(`${at}: volume ${volume.name} names no PersistentVolumeClaim ${claim}`);
      }
    }
    const volumeNames = new Set([
      ...(spec.volumes ?? []).map((volume) => volume.name),
      ...templates,
    ]);
    for (const container of spec.containers) {
      for (const mount of (container as { volumeMounts?: { name: string }[] }).volumeMounts ?? []) {
        if (!volumeNames.has(mount.name)) {
          problems.push(`${at} container ${container.name}: mounts no volume ${mount.name}`);
        }
      }
      if (secretsRendered) {
        for (const reference of resolveEnv(container, objects).unresolved) {
          problems.push(`${at} container ${container.name}: ${reference} is not rendered`);
        }
      }
    }
    if (spec.serviceAccountName && !has('ServiceAccount', spec.serviceAccountName)) {
      problems.push(`${at}: names no ServiceAccount ${spec.serviceAccountName}`);
    }
  }
  const selects = (selector: Selector) =>
    pods.some((pod) => pod.object.kind !== 'Job' && matches(selector, pod.labels));
  for (const object of objects) {
    const at = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Service') {
      const spec = object.spec as {
        selector?: Record<string, string>;
        ports: { targetPort?: string | number }[];
      };
      const target = pods.find((pod) => matches({ matchLabels: spec.selector ?? {} }, pod.labels));
      if (!target) {
        problems.push(`${at}: selects no pod`);
        continue;
      }
      const named = new Set(
        target.spec.containers.flatMap((container) =>
          (container.ports ?? []).map((port) => port.name),
        ),
      );
      for (const port of spec.ports) {
        if (typeof port.targetPort === 'string' && !named.has(port.targetPort)) {
          problems.push(`${at}: no container port named ${port.targetPort}`);
        }
      }
    }
    if (object.kind === 'PodDisruptionBudget') {
      const selector = (object.spec as { selector: Selector }).selector;
      if (!selects(selector)) problems.push(`${at}: selects no pod`);
    }
    if (object.kind === 'HorizontalPodAutoscaler') {
      const target = (object.spec as { scaleTargetRef: { kind: string; name: string } })
        .scaleTargetRef;
      if (!has(target.kind, target.name)) problems.push(`${at}: no ${target.kind} ${target.name}`);
    }
    if (object.kind === 'Ingress') {
      const rules =
        (
          object.spec as {
            rules?: {
              http?: {
                paths: {
                  backend: { service?: { name: string; port: { name?: string; number?: number } } };
                }[];
              };
            }[];
          }
        ).rules ?? [];
      for (const path of rules.flatMap((rule) => rule.http?.paths ?? [])) {
        const backend = path.backend.service;
        if (!backend) continue;
        const service = objects.find(
          (candidate) => candidate.kind === 'Service' && candidate.metadata.name === backend.name,
        );
        const ports =
          (service?.spec as { ports?: { name?: string; port: number }[] } | undefined)?.ports ?? [];
        if (
          !ports.some(
            (port) => port.name === backend.port.name || port.port === backend.port.number,
          )
        ) {
          problems.push(
            `${at}: no Service ${backend.name} with port ${backend.port.name ?? backend.port.number}`,
          );
        }
      }
    }
  }
  return problems;
}
