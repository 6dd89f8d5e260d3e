import { parse } from 'yaml';
import { readRepoFile } from './support.js';

/** The parts of a compose file the tests look at. */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  networks?: string[] | Record<string, unknown>;
  ports?: (string | { published: string; target: number; host_ip?: string })[];
  restart?: string;
  volumes?: string[];
  environment?: Record<string, string>;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

export function readCompose(path: string): ComposeFile {
  return parse(readRepoFile(path), {
    merge: true,
    customTags: [
      { tag: '!override', collection: 'seq', resolve: (value) => value },
      { tag: '!override', collection: 'map', resolve: (value) => value },
    ],
  }) as ComposeFile;
}

// What production needs in .env, with values good enough for `docker compose config`.
export function productionEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of readRepoFile('docker-compose.prod.yml').matchAll(/\$\{([A-Z_]+):\?/g)) {
    env[match[1] ?? ''] = 'x';
  }
  return {
    ...env,
    IMAGE_REGISTRY: 'registry.example/cloud-backend',
    IMAGE_TAG: 'abc123',
    TLS_CERT_DIR: '/etc/tls',
  };
}
