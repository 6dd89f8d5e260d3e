// Validation of rendered objects against the Kubernetes API's OpenAPI schema, through the
// models of the npm package kubernetes-models (types, required fields, enums and formats of
// every field it knows; it lets unknown fields through, as a server without strict field
// validation would).
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import type { KubeObject } from './render.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: ModelClass[] = [
  ConfigMap,
  CronJob,
  Deployment,
  HorizontalPodAutoscaler,
  Ingress,
  Job,
  Namespace,
  NetworkPolicy,
  PersistentVolumeClaim,
  PodDisruptionBudget,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
  StatefulSet,
];

const BY_TYPE = new Map<string, ModelClass>(
  MODELS.map((model) => {
    const { apiVersion, kind } = model as unknown as { apiVersion: string; kind: string };
    return [`${apiVersion} ${kind}`, model];
  }),
);

/**
 * Kustomize wraps a long Secret value's base64 over several lines; the API server's decoder
 * skips line breaks, the validator's base64 pattern does not.
 */
function asTheApiReadsIt(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
    Object.entries(object.data as Record<string, string>).map(([key, value]) => [
      key,
      value.replace(/\s+/g, ''),
    ]),
  );
  return { ...object, data };
}

/** Every schema violation of the objects, one line per object ("Kind/name: problems"). */
export function schemaProblems(objects: KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const label = `${object.kind}/${object.metadata.name}`;
    const Model = BY_TYPE.get(`${object.apiVersion} ${object.kind}`);
    if (!Model) {
      problems.push(`${label}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(asTheApiReadsIt(object) as never).validate();
    } catch (err) {
      problems.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}
