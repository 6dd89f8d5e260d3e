import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { productionEnvironment, readCompose } from './compose-files.js';
import { repoPath, readRepoFile } from './support.js';

// The official images, each behind a variable (docs/compatibility.md#fix-deployment).
const OFFICIAL: Record<string, string> = {
  NODE_IMAGE: 'node:24-bookworm-slim',
  POSTGRES_IMAGE: 'postgres:15-bookworm',
  NGINX_IMAGE: 'nginx:1.28-bookworm',
  PROMETHEUS_IMAGE: 'prom/prometheus:v3.5.0',
  GRAFANA_IMAGE: 'grafana/grafana:12.2.0',
  PORTAINER_IMAGE: 'portainer/portainer-ce:2.33.0',
};

const SERVICES = [
  { dir: 'gateway', port: 3000, migrations: false },
  { dir: 'auth-service', port: 3001, migrations: true },
  { dir: 'user-service', port: 3002, migrations: true },
  { dir: 'social-log-service', port: 3003, migrations: true },
  { dir: 'monitoring/dashboard-api', port: 3005, migrations: false },
];

const base = readCompose('docker-compose.yml');
const prod = readCompose('docker-compose.prod.yml');

describe('Dockerfiles', () => {
  it('one service.Dockerfile: multi-stage from NODE_IMAGE, production dependencies, non-root, healthcheck', () => {
    const text = readRepoFile('service.Dockerfile');
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(3);
    for (const from of froms) expect(['${NODE_IMAGE}', 'manifests', 'deps']).toContain(from);
    expect(text).toContain('npm ci --ignore-scripts');
    expect(text).toContain(
      'npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w shared -w ${SERVICE}',
    );
    // The dependency install is shared by every image: no service ARG before it.
    expect(text.indexOf('ARG SERVICE')).toBeGreaterThan(text.indexOf('FROM manifests AS deps'));
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^EXPOSE \$\{PORT\}$/m);
    expect(text).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", ".*\/health\/ready/m);
    expect(text).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/server.js"\]$/m);
    expect(text).toContain('if [ -d ${SERVICE}/migrations ]');
    expect(text).not.toMatch(/^COPY[^\n]*\.env\b/m);
  });

  it.each(SERVICES)(
    '$dir: built from service.Dockerfile with its folder and port',
    ({ dir, port, migrations }) => {
      const name = dir.split('/').at(-1) ?? dir;
      const build = base.services[name]?.build;
      expect(build?.dockerfile).toBe('service.Dockerfile');
      expect(build?.args?.SERVICE).toBe(dir);
      expect(build?.args?.PORT).toBe(String(port));
      expect(existsSync(repoPath(`${dir}/migrations`))).toBe(migrations);
      expect(existsSync(repoPath(`${dir}/Dockerfile`))).toBe(false);
    },
  );

  it('nginx and pg-backup take their bases from variables too', () => {
    const nginx = readRepoFile('nginx/Dockerfile');
    expect(nginx).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(nginx).toMatch(/^ARG NGINX_IMAGE=nginx:1.28-bookworm$/m);
    expect(nginx).toMatch(/^FROM \$\{NGINX_IMAGE\}$/m);
    expect(nginx).toMatch(/^HEALTHCHECK /m);
    const backup = readRepoFile('pg-backup/Dockerfile');
    expect(backup).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(backup).toMatch(/^FROM \$\{NODE_IMAGE\}$/m);
    expect(backup).toMatch(/^HEALTHCHECK /m);
  });

  it('.dockerignore keeps secrets, data, dumps and installed dependencies out', () => {
    const lines = readRepoFile('.dockerignore').split('\n');
    for (const entry of [
      '.env',
      '.env.*',
      '!.env.example',
      '.data',
      'backups',
      '**/node_modules',
      '**/dist',
      '.git',
    ]) {
      expect(lines).toContain(entry);
    }
  });
});

describe('docker-compose.yml (development)', () => {
  it('takes every image from a variable whose default is the official one', () => {
    for (const file of [base, prod]) {
      for (const [name, service] of Object.entries(file.services)) {
        if (service.image === undefined) continue;
        const ours = /^\$\{IMAGE_REGISTRY:\?[^}]*\}\/[a-z-]+:\$\{IMAGE_TAG:\?[^}]*\}$/.test(
          service.image,
        );
        if (ours) continue;
        const match = /^\$\{([A-Z_]+):-([^}]+)\}$/.exec(service.image);
        expect(match, `${name}: ${service.image}`).not.toBeNull();
        expect(OFFICIAL[match?.[1] ?? ''], name).toBe(match?.[2]);
      }
    }
    for (const [name, service] of Object.entries(base.services)) {
      if (!service.build) continue;
      expect(service.build.context, name).toBe('.');
      expect(service.build.args?.NODE_IMAGE, name).toBe('${NODE_IMAGE:-node:24-bookworm-slim}');
    }
    expect(base.services.nginx?.build?.args?.NGINX_IMAGE).toBe(
      '${NGINX_IMAGE:-nginx:1.28-bookworm}',
    );
  });

  it('has the whole stack, each with a healthcheck, on one network, started in health order', () => {
    expect(Object.keys(base.services).sort()).toEqual([
      'auth-db',
      'auth-service',
      'dashboard-api',
      'gateway',
      'grafana',
      'nginx',
      'pg-backup',
      'prometheus-service',
      'social-log-db',
      'social-log-service',
      'user-db',
      'user-service',
    ]);
    for (const [name, service] of Object.entries(base.services)) {
      // The services' own healthchecks are their images' HEALTHCHECK, tuned here.
      expect(service.healthcheck, name).toBeDefined();
      expect(service.networks, name).toEqual(['microservices-net']);
      expect(service.restart, name).toBe('unless-stopped');
      for (const [dependency, how] of Object.entries(service.depends_on ?? {})) {
        expect(how.condition, `${name} -> ${dependency}`).toBe('service_healthy');
      }
    }
    expect(Object.keys(base.networks ?? {})).toEqual(['microservices-net']);
    for (const volume of [
      'auth_db_data',
      'user_db_data',
      'social_log_db_data',
      'prometheus_data',
      'grafana_data',
    ]) {
      expect(base.volumes, volume).toHaveProperty(volume);
    }
  });

  it('publishes only nginx, Prometheus and Grafana, on loopback by default', () => {
    const published = Object.entries(base.services).filter(([, s]) => s.ports);
    expect(published.map(([name]) => name).sort()).toEqual([
      'grafana',
      'nginx',
      'prometheus-service',
    ]);
    for (const [name, service] of published) {
      for (const port of service.ports ?? []) {
        expect(typeof port, name).toBe('string');
        expect(port as string, name).toMatch(
          /^(127\.0\.0\.1|\$\{NGINX_BIND_ADDRESS:-127\.0\.0\.1\}):/,
        );
      }
    }
  });

  it('gives the services what they read: their own role, read-only and append-only roles', () => {
    const env = (service: string) => base.services[service]?.environment ?? {};
    expect(env('auth-service').DATABASE_URL).toMatch(/^postgres:\/\/auth_admin:/);
    expect(env('auth-service').ADMIN_EMAIL).toMatch(/:-admin@example\.com\}$/);
    expect(env('auth-service').ADMIN_PASSWORD).toMatch(/^\$\{ADMIN_PASSWORD:-.{8,}\}$/);
    expect(env('user-service').AUTH_DATABASE_URL).toMatch(/^postgres:\/\/auth_readonly:/);
    expect(env('dashboard-api').AUTH_DATABASE_URL).toMatch(/^postgres:\/\/auth_readonly:/);
    expect(env('dashboard-api').USER_DATABASE_URL).toMatch(/^postgres:\/\/user_readonly:/);
    expect(env('social-log-service').DATABASE_URL).toMatch(/^postgres:\/\/social_log_app:/);
    expect(env('social-log-service').MIGRATION_DATABASE_URL).toMatch(/^postgres:\/\/social_admin:/);
    expect(env('gateway').TRUST_PROXY).toBe('${MICROSERVICES_SUBNET:-172.30.0.0/24}');
    // The owners grant their database's read-only role its columns, the roles the init script made.
    expect(env('auth-service').DATABASE_READONLY_ROLE).toBe(env('auth-db').DB_READONLY_USER);
    expect(env('user-service').DATABASE_READONLY_ROLE).toBe(env('user-db').DB_READONLY_USER);
    expect(env('nginx').TRUSTED_LOAD_BALANCERS).toBe('${TRUSTED_LOAD_BALANCERS:-}');
    expect(base.services['pg-backup']?.volumes).toEqual(['${BACKUP_HOST_DIR:-./backups}:/backups']);
  });
});

describe('docker-compose.prod.yml', () => {
  it('publishes nothing but nginx 80/443 to the world (the tools on loopback)', () => {
    for (const [name, service] of Object.entries(prod.services)) {
      for (const port of service.ports ?? []) {
        expect(typeof port, name).toBe('string');
        const text = port as string;
        if (name === 'nginx') expect(text).toMatch(/^\$\{HTTPS?_PORT:-(80|443)\}:(80|443)$/);
        else expect(text, name).toMatch(/^127\.0\.0\.1:/);
      }
    }
    expect(readRepoFile('docker-compose.prod.yml')).toContain('ports: !override');
  });

  it('requires every secret from .env, and .env.example lists each of them', () => {
    const example = readRepoFile('.env.example');
    for (const name of Object.keys(productionEnvironment())) {
      if (name === 'IMAGE_TAG') continue; // set by the deploy, per commit
      expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
    const text = readRepoFile('docker-compose.prod.yml');
    expect(text).not.toMatch(/development-only/);
    expect(text).toContain("TLS_SELF_SIGNED: '0'");
  });
});
