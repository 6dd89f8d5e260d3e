import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { productionEnvironment, type ComposeFile } from './compose-files.js';
import { run } from './support.js';

// `docker compose config` with the real CLI: part of `make test-compose`, where the Docker
// tools are installed (scripts in test/ops/compose.vitest.config.ts).
describe('docker compose config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-compose-'));
  const emptyEnvFile = join(dir, 'empty.env');
  writeFileSync(emptyEnvFile, '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Only what the test sets: neither the developer's variables nor their .env.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^[A-Z_]+$/.test(key) || ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG'].includes(key),
    ),
  );
  const config = (files: string[], env: Record<string, string>) =>
    run(
      'docker',
      [
        'compose',
        '--env-file',
        emptyEnvFile,
        ...files.flatMap((f) => ['-f', f]),
        'config',
        '--format',
        'json',
      ],
      {
        env: { ...clean, ...env },
      },
    );

  it('accepts the development file with no environment at all', () => {
    const result = config(['docker-compose.yml'], {});
    expect(result.status, result.stderr).toBe(0);
    const merged = JSON.parse(result.stdout) as ComposeFile;
    expect(merged.services.gateway?.environment?.TRUST_PROXY).toBe('172.30.0.0/24');
    expect(merged.services['auth-db']?.image).toBe('postgres:15-bookworm');
  });

  // docs/operations.md#traces-and-logs: Tempo, Loki and Alloy only with the override file.
  it('adds traces and logs with docker-compose.observability.yml, and only with it', () => {
    const result = config(['docker-compose.yml', 'docker-compose.observability.yml'], {});
    expect(result.status, result.stderr).toBe(0);
    const merged = JSON.parse(result.stdout) as ComposeFile;
    for (const name of ['tempo', 'loki', 'alloy'])
      expect(merged.services, name).toHaveProperty(name);
    expect(merged.services.gateway?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      'http://tempo:4318',
    );
    expect(merged.services.gateway?.environment?.TRUST_PROXY).toBe('172.30.0.0/24');
    const plain = JSON.parse(config(['docker-compose.yml'], {}).stdout) as ComposeFile;
    expect(Object.keys(plain.services)).not.toContain('tempo');
    expect(plain.services.gateway?.environment).not.toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('refuses production without its secrets', () => {
    const result = config(['docker-compose.yml', 'docker-compose.prod.yml'], {});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/required variable \w+ is missing/);
  });

  it('in production, publishes only nginx on every interface', () => {
    const result = config(
      ['docker-compose.yml', 'docker-compose.prod.yml'],
      productionEnvironment(),
    );
    expect(result.status, result.stderr).toBe(0);
    const merged = JSON.parse(result.stdout) as ComposeFile;
    const published: string[] = [];
    for (const [name, service] of Object.entries(merged.services)) {
      expect(service.restart, name).toMatch(/^(always|unless-stopped)$/);
      for (const port of service.ports ?? []) {
        if (typeof port === 'string') throw new Error(`${name}: unexpected port ${port}`);
        published.push(`${name} ${port.host_ip ?? '*'}:${port.published}->${port.target}`);
      }
      if (name !== 'portainer') expect(service.healthcheck, name).toBeDefined();
    }
    expect(published.sort()).toEqual([
      'grafana 127.0.0.1:3004->3004',
      'nginx *:443->443',
      'nginx *:80->80',
      'portainer 127.0.0.1:9443->9443',
      'prometheus-service 127.0.0.1:9090->9090',
    ]);
    expect(merged.services.nginx?.environment?.TLS_SELF_SIGNED).toBe('0');
    expect(merged.services.gateway?.image).toBe('registry.example/cloud-backend/gateway:abc123');
  });
});
