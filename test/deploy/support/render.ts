// Renders a Kustomize folder of deploy/kubernetes with kubectl's built-in Kustomize, offline,
// and parses the output into plain objects.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** A rendered Kubernetes object, as kubectl kustomize printed it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

const INSTALL_HINT =
  'kubectl with Kustomize v5 is needed to render deploy/kubernetes: install kubectl 1.27 or ' +
  'later from the Kubernetes project (Debian\'s "kubernetes-client" package is too old; ' +
  "GitHub's runners have a recent one), or set KUBECTL to its path";

/** `command` itself, once it is known to run and to have Kustomize v5; else a clear error. */
export async function checkKubectl(command: string): Promise<string> {
  let version: { kustomizeVersion?: string };
  try {
    const { stdout } = await run(command, ['version', '--client', '-o', 'json']);
    version = JSON.parse(stdout) as { kustomizeVersion?: string };
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'not found' : String(err);
    throw new Error(`${INSTALL_HINT} ("${command}": ${reason})`);
  }
  const kustomize = version.kustomizeVersion ?? 'none';
  if (!/^v5\./.test(kustomize)) {
    throw new Error(`${INSTALL_HINT} ("${command}" has Kustomize ${kustomize})`);
  }
  return command;
}

let checked: Promise<string> | undefined;

/** The kubectl to run: KUBECTL, else the one on PATH, checked once. */
export function kubectl(): Promise<string> {
  checked ??= checkKubectl(process.env.KUBECTL || 'kubectl');
  return checked;
}

/** `kubectl kustomize DIR`, parsed; a Kustomize error rejects with its message. */
export async function render(dir: string): Promise<KubeObject[]> {
  const command = await kubectl();
  let stdout: string;
  try {
    ({ stdout } = await run(command, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr.trim()}`);
  }
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.join('; '));
    return document.toJS() as KubeObject;
  });
}
