import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(...parts: string[]): string {
  return [REPO.replace(/\/$/, ''), ...parts].join('/');
}

export function readRepoFile(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

/** YAML with compose's `!override` / `!reset` tags read as plain values. */
export function readYaml(path: string): unknown {
  return parse(readRepoFile(path), {
    customTags: [
      { tag: '!override', collection: 'seq', resolve: (value) => value },
      { tag: '!override', collection: 'map', resolve: (value) => value },
      { tag: '!reset', resolve: () => null },
    ],
  });
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

export function run(command: string, args: string[], options: SpawnSyncOptions = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: REPO, ...options });
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  return { status: result.status, stdout, stderr, output: stdout + stderr };
}

export function hasCommand(command: string): boolean {
  return run('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** `docker compose` works (its config command needs no engine, only the CLI plugin). */
export function hasDockerCompose(): boolean {
  return hasCommand('docker') && run('docker', ['compose', 'version']).status === 0;
}

/**
 * A host tool these tests need. `make test` installs them (scripts/system-tools.sh); a missing
 * one fails the test, naming the Debian package, and never skips it.
 */
export function requireTool(command: string, debianPackage: string): void {
  if (!hasCommand(command)) {
    throw new Error(`${command} is missing: apt-get install -y ${debianPackage}`);
  }
}

// PromQL words that are not metric names.
const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads. Label matchers, label lists of by/on/without,
 * range selectors, strings, numbers and function names (a word followed by "(") are left out.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    const [word] = match;
    if (match[1] === '(') continue;
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}
