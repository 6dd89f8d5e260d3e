import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The lint is split in two (README, docs/PERFORMANCE.md#test-run): ESLint runs
// typescript-eslint's strict set, Oxlint with tsgolint the type-aware half of strictTypeChecked.
// These checks keep the split from losing a rule: one that a typescript-eslint upgrade adds to
// strictTypeChecked, or Oxlint running without its type-aware half.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

type RuleSetting = string | [string, ...unknown[]];

/** .oxlintrc.json's rules (the file is JSON with whole-line comments). */
async function oxlintRules(): Promise<Record<string, RuleSetting>> {
  const text = await readFile(join(ROOT, '.oxlintrc.json'), 'utf8');
  const json = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  return (JSON.parse(json) as { rules: Record<string, RuleSetting> }).rules;
}

/** The rules of one of typescript-eslint's shared configurations, as ESLint merges them. */
function rulesOf(configs: readonly { rules?: object }[]): Record<string, unknown> {
  return Object.assign({}, ...configs.map((config) => config.rules ?? {})) as Record<
    string,
    unknown
  >;
}

// The plugin's rules and their metadata (typed loosely by typescript-eslint's flat-config types).
const PLUGIN_RULES =
  (
    tseslint.plugin as {
      rules?: Record<string, { meta?: { docs?: { requiresTypeChecking?: boolean } } }>;
    }
  ).rules ?? {};

function needsTypes(rule: string): boolean {
  const name = rule.replace('@typescript-eslint/', '');
  return PLUGIN_RULES[name]?.meta?.docs?.requiresTypeChecking === true;
}

describe('the lint split between ESLint and Oxlint', () => {
  it("gives Oxlint every type-aware rule of strictTypeChecked, with the set's options", async () => {
    const rules = await oxlintRules();
    // This project's choices (eslint.config.js used to hold them): off, or other options.
    const chosen = new Set([
      'no-confusing-void-expression',
      'require-await',
      'restrict-template-expressions',
    ]);
    const typed = Object.entries(rulesOf(tseslint.configs.strictTypeChecked)).filter(
      ([rule]) => rule.startsWith('@typescript-eslint/') && needsTypes(rule),
    );
    expect(typed.length).toBeGreaterThan(40);
    for (const [rule, setting] of typed) {
      const name = rule.replace('@typescript-eslint/', '');
      const ours = rules[`typescript/${name}`];
      expect(ours, `typescript/${name} in .oxlintrc.json`).toBeDefined();
      if (!chosen.has(name)) expect(ours, name).toEqual(setting);
    }
    expect(Object.keys(rules)).toHaveLength(typed.length);
  });

  it('leaves ESLint no rule that needs types, and every other rule of strictTypeChecked', () => {
    const strict = rulesOf(tseslint.configs.strict);
    expect(Object.keys(strict).filter(needsTypes)).toEqual([]);
    const untyped = Object.entries(rulesOf(tseslint.configs.strictTypeChecked)).filter(
      ([rule]) => !needsTypes(rule),
    );
    for (const [rule, setting] of untyped) {
      // strictTypeChecked turns off core rules its type-aware ones replace; off either way.
      expect(strict[rule] ?? 'off', rule).toEqual(setting);
    }
  });

  describe('Oxlint on a file with a floating promise', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cloud-backend-lint-'));
      await writeFile(
        join(dir, 'floating.ts'),
        'export async function f(): Promise<number> {\n  return 1;\n}\n' +
          'export function g(): void {\n  f();\n}\n',
      );
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('reports it: the type-aware rules run', async () => {
      const failure = await run(
        join(ROOT, 'node_modules', '.bin', 'oxlint'),
        ['-c', join(ROOT, '.oxlintrc.json'), '--threads=1', join(dir, 'floating.ts')],
        { cwd: ROOT, env: { ...process.env, GOMAXPROCS: '1' } },
      ).then(
        () => undefined,
        (err: unknown) => err as { code: number; stdout: string },
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toContain('typescript(no-floating-promises)');
    });
  });
});
