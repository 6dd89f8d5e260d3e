/**
 * Production refuses the secrets the repository publishes (shared/src/public-secrets.ts): the
 * list is in step with the files that publish them, every service's configuration applies it,
 * and a service started with one exits with one line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type TObject } from 'typebox';
import {
  loadConfig,
  PUBLIC_SECRET_PREFIX,
  PUBLIC_SECRETS,
  PUBLIC_SIGNING_KEY_IDS,
  PublicSecretError,
} from '@cloud-backend/shared';
import { spawnTypeScript } from '@cloud-backend/shared/testing';
import { readCompose } from './ops/compose-files.js';
import { configSchema as auth } from '../auth-service/src/config.js';
import { configSchema as gateway } from '../gateway/src/config.js';
import { configSchema as dashboard } from '../monitoring/dashboard-api/src/config.js';
import { configSchema as socialLog } from '../social-log-service/src/config.js';
import { configSchema as user } from '../user-service/src/config.js';

const ROOT = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

/** Where secrets are published: the compose files, .env.example, the README and docs/. */
function publishingFiles(): string[] {
  const root = readdirSync(ROOT).filter((name) => /^docker-compose.*\.ya?ml$/.test(name));
  const docs = readdirSync(new URL('docs/', ROOT)).map((name) => `docs/${name}`);
  return [...root, '.env.example', 'README.md', ...docs.filter((name) => name.endsWith('.md'))];
}

describe('the list of published secrets', () => {
  it('holds every development default those files publish, and nothing else', () => {
    const published = new Set<string>();
    for (const file of publishingFiles()) {
      const text = read(file);
      // Compose defaults: ${VAR:-value}, wherever they are used.
      for (const [, value = ''] of text.matchAll(/\$\{[A-Z_]+:-([^}]+)\}/g)) {
        if (value.startsWith(PUBLIC_SECRET_PREFIX)) published.add(value);
      }
      for (const [value] of text.matchAll(
        new RegExp(`${PUBLIC_SECRET_PREFIX}[a-z0-9-]*[a-z0-9]`, 'g'),
      )) {
        published.add(value);
      }
      // Whatever .env.example gives a secret-looking variable.
      if (file === '.env.example') {
        for (const [, name = '', value = ''] of text.matchAll(/^#? ?([A-Z_]+)=(.+)$/gm)) {
          if (/(SECRET|PASSWORD|TOKEN)$/.test(name)) published.add(value);
        }
      }
    }
    expect([...published].sort()).toEqual([...PUBLIC_SECRETS].sort());
  });
});

describe('the list of published signing keys', () => {
  it('holds the kid of every private key the repository publishes, and nothing else', () => {
    // Private JWKs (a "d" member) in the Kubernetes manifests and the tests' key file.
    const files = [
      'deploy/kubernetes/overlays/dev/kustomization.yaml',
      'shared/src/testing/test-signing-keys.json',
    ];
    const kids = new Set<string>();
    for (const file of files) {
      for (const [key] of read(file).matchAll(/\{[^{}]*"d"\s*:[^{}]*\}/g)) {
        const kid = /"kid"\s*:\s*"([^"]+)"/.exec(key)?.[1];
        expect(kid, `${file}: a private key without a kid`).toBeDefined();
        kids.add(kid ?? '');
      }
    }
    expect([...kids].sort()).toEqual([...PUBLIC_SIGNING_KEY_IDS].sort());
  });
});

describe('the container stacks', () => {
  it('let the development stack run its public defaults, and the production overlay not', () => {
    const development = readCompose('docker-compose.yml').services;
    const production = readCompose('docker-compose.prod.yml').services;
    for (const service of [
      'gateway',
      'auth-service',
      'user-service',
      'social-log-service',
      'dashboard-api',
    ]) {
      expect(development[service]?.environment?.ALLOW_PUBLIC_SECRETS, service).toBe('true');
      expect(production[service]?.environment?.ALLOW_PUBLIC_SECRETS, service).toBe('false');
    }
  });
});

const SECRET = 'a-real-secret-nobody-has-published-0123456789';
const JWT = PUBLIC_SECRETS[0] ?? '';
const SERVICES: [string, TObject][] = [
  ['gateway', gateway],
  ['auth-service', auth],
  ['user-service', user],
  ['social-log-service', socialLog],
  ['dashboard-api', dashboard],
];
/** Enough for any service's configuration (each keeps only its own variables). */
const BASE = {
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  JWKS_URL: 'http://auth:3001/.well-known/jwks.json',
  JWT_SIGNING_KEYS_FILE: '/run/secrets/jwt-signing-keys.json',
  INTERNAL_API_TOKEN: SECRET,
  QR_SECRET: SECRET,
  DATABASE_URL: `postgres://svc:${SECRET}@db:5432/app`,
  AUTH_SERVICE_URL: 'http://auth:3001',
  USER_SERVICE_URL: 'http://user:3002',
  SOCIAL_LOG_SERVICE_URL: 'http://social:3003',
  DASHBOARD_API_URL: 'http://dashboard:3005',
};

describe.each(SERVICES)("%s's configuration", (_name, schema) => {
  it('refuses a published secret in production, as a value or a URL password; names only', () => {
    expect(() => loadConfig(schema, BASE)).not.toThrow();
    const refused = (() => {
      try {
        loadConfig(schema, {
          ...BASE,
          JWT_SECRET: JWT,
          DATABASE_URL: 'postgres://svc:development-only-auth@db:5432/app',
        });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(PublicSecretError);
    const error = refused as PublicSecretError;
    expect(error.variables).toContain('JWT_SECRET');
    if ('DATABASE_URL' in schema.properties) expect(error.variables).toContain('DATABASE_URL');
    expect(error.message).not.toContain('development-only');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('lets development, tests and the development container stack use them', () => {
    for (const env of [
      { NODE_ENV: 'development' },
      { NODE_ENV: 'test' },
      { ALLOW_PUBLIC_SECRETS: 'true' },
    ]) {
      expect(() => loadConfig(schema, { ...BASE, JWT_SECRET: JWT, ...env })).not.toThrow();
    }
  });
});

describe('a service started in production with a published secret', () => {
  it('exits 1 with one line naming the variable, never its value', async () => {
    const run = spawnTypeScript('gateway/src/server.ts', {
      ...BASE,
      LOG_FORMAT: 'json',
      PORT: '0',
      JWT_SECRET: JWT,
      ALLOW_PUBLIC_SECRETS: undefined,
    });
    expect(await run.exited).toBe(1);
    expect(run.output().trim()).toBe(
      'gateway: refusing to start in production: JWT_SECRET holds a public development value ' +
        '(from docker-compose.yml, .env.example or the README); set secrets of your own',
    );
  }, 60_000);
});
