/**
 * Every error `code` the services and the gateway can answer has a message of the web app's
 * own in both languages (src/i18n/en.ts, it.ts; shown by errorMessage in src/api/errors.ts).
 * The codes are collected from the services' sources, where each is written as a literal: an
 * `{ error, code: 'X' }` body, `new HttpError(status, 'X', …)`, or a constant holding one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { it as italian } from '../src/i18n/it.js';
import { REPO_ROOT } from './support/stack.js';

const SOURCES = [
  'shared/src',
  'gateway/src',
  'auth-service/src',
  'user-service/src',
  'social-log-service/src',
  'monitoring/dashboard-api/src',
  'frontend/src/api',
];

/** Test helpers and the `make dev` orchestrator answer no client. */
const SKIPPED_FOLDERS = new Set(['testing', 'dev', 'generated']);

/** Node's and Fastify's own error identifiers, which the services map to API codes. */
const NOT_API_CODES = /^(CB_ERR_|FST_|ERR_|UND_ERR_)/;

const CODE_LITERAL =
  /(?:\bcode\s*:\s*|\bHttpError\(\s*\d+\s*,\s*|\bconst\s+[A-Z][A-Z0-9_]*\s*=\s*|\bApiError\(\s*[\w.]+\s*,\s*)'([A-Z][A-Z0-9_]+)'/g;

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) files.push(...(await sourceFiles(path)));
    } else if (/\.tsx?$/.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

async function codesInSources(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const folder of SOURCES) {
    for (const file of await sourceFiles(join(REPO_ROOT, folder))) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(CODE_LITERAL)) {
        const code = match[1] ?? '';
        if (!NOT_API_CODES.test(code) && !found.has(code)) {
          found.set(code, file.slice(REPO_ROOT.length));
        }
      }
    }
  }
  return found;
}

describe('error codes', () => {
  it('every code a service, the gateway or the client can give has a message in Italian and English', async () => {
    const codes = await codesInSources();
    // The collection works: codes of each kind of source are among them.
    for (const known of [
      'INVALID_CREDENTIALS', // an auth-service ERRORS table
      'REVOCATIONS_UNAVAILABLE', // the gateway, HttpError over several lines
      'INVALID_ALLOWED_NETWORKS', // user-service, a constant
      'UPSTREAM_TIMEOUT', // the gateway's proxy
      'RATE_LIMITED', // the gateway's 429
      'VALIDATION_ERROR', // shared/src/errors.ts
      'NETWORK_ERROR', // the web app's own, no answer at all
    ]) {
      expect(codes.has(known), known).toBe(true);
    }
    expect(codes.size).toBeGreaterThan(90);

    const english: Record<string, string> = en.errors;
    const italianMessages: Record<string, string> = italian.errors;
    const missing = [...codes]
      .filter(([code]) => !english[code] || !italianMessages[code])
      .map(([code, file]) => `${code} (${file})`);
    expect(missing, 'codes without a message in src/i18n/en.ts or it.ts').toEqual([]);
  });
});
