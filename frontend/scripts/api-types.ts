/**
 * The web app's API types, generated from the public OpenAPI document, the one the gateway
 * serves at /openapi.json: each service's app and the gateway's are built (no database is
 * reached, nothing listens), their documents taken with `app.swagger()` and assembled as the
 * gateway assembles them (gateway/src/openapi), and openapi-typescript turns the result into
 * `src/api/generated/public-api.ts`, formatted by the repository's settings (.oxfmtrc.json).
 *
 *   npm run api:types -w frontend            write the file
 *   npm run api:types -w frontend -- --check exit 1 when the committed file differs
 *
 * Run it after changing a service's route schemas or the gateway's route table;
 * frontend/test/api-types.test.ts fails while the committed file differs from what they give.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, type FormatConfig, type Oxfmtrc } from 'oxfmt';

const REPO = new URL('../../', import.meta.url);
export const GENERATED_DIR = new URL('../src/api/generated/', import.meta.url);

/** The apps whose documents make the public one: folder, and what each needs to build. */
const APPS = {
  'auth-service': { folder: 'auth-service', env: {} },
  'user-service': { folder: 'user-service', env: { USER_SYNC_INTERVAL_SECONDS: '0' } },
  'social-log-service': { folder: 'social-log-service', env: {} },
  'dashboard-api': { folder: 'monitoring/dashboard-api', env: {} },
  gateway: {
    folder: 'gateway',
    // Never reached: the gateway is built for its own document only (its /health).
    env: {
      AUTH_SERVICE_URL: 'http://127.0.0.1:1',
      USER_SERVICE_URL: 'http://127.0.0.1:1',
      SOCIAL_LOG_SERVICE_URL: 'http://127.0.0.1:1',
      DASHBOARD_API_URL: 'http://127.0.0.1:1',
    },
  },
} as const satisfies Record<string, { folder: string; env: Record<string, string> }>;
type App = keyof typeof APPS;
type Service = Exclude<App, 'gateway'>;

/** What a service's src/app.ts and src/config.ts export that this script uses. */
interface ServiceModules {
  buildApp: (
    config: unknown,
    options: { logger: false },
  ) => Promise<{ ready(): Promise<unknown>; swagger(): unknown; close(): Promise<unknown> }>;
  configSchema: unknown;
}
interface SharedModule {
  loadConfig: (schema: unknown, env: Record<string, string>) => unknown;
}
interface OfflineModule {
  publicDocumentFrom: (input: {
    services: Record<Service, OpenAPI3>;
    gateway: OpenAPI3;
    version: string;
  }) => OpenAPI3;
}

/**
 * Loads a module by a computed URL, so that the web app's typecheck does not follow the
 * services' server code (it is compiled for Node, with other settings); ServiceModules above
 * states the little that is used.
 */
async function load<T>(path: string): Promise<T> {
  return (await import(new URL(path, REPO).href)) as T;
}

/**
 * The document less the error responses: every error has the one `{error, code}` shape that
 * src/api/errors.ts reads.
 */
function successes(document: OpenAPI3): OpenAPI3 {
  const paths: NonNullable<OpenAPI3['paths']> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(item)) {
      const responses = (operation as { responses?: Record<string, unknown> }).responses;
      for (const status of Object.keys(responses ?? {})) {
        if (!status.startsWith('2')) delete responses?.[status];
      }
    }
    paths[path] = item;
  }
  return { ...document, paths, components: { ...document.components, schemas: {} } };
}

/** An app's own OpenAPI document, from its route schemas (a pool is made but never used). */
async function appDocument(name: App): Promise<OpenAPI3> {
  const { folder, env } = APPS[name];
  const { loadConfig } = await load<SharedModule>('shared/src/index.ts');
  const { buildApp } = await load<ServiceModules>(`${folder}/src/app.ts`);
  const { configSchema } = await load<ServiceModules>(`${folder}/src/config.ts`);
  const config = loadConfig(configSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'only-to-build-the-openapi-document-0123456789',
    // Only to build the documents: nothing is signed or verified.
    JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
    JWT_SIGNING_KEYS_FILE: fileURLToPath(
      new URL('../../shared/src/testing/test-signing-keys.json', import.meta.url),
    ),
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    INTERNAL_API_TOKEN: 'only-to-build-the-openapi-document-0123456789',
    ...env,
  });
  const app = await buildApp(config, { logger: false });
  try {
    await app.ready();
    return structuredClone(app.swagger()) as OpenAPI3;
  } finally {
    await app.close();
  }
}

/** The public document, as the gateway serves it at /openapi.json. */
export async function openApiDocument(): Promise<OpenAPI3> {
  const { publicDocumentFrom } = await load<OfflineModule>('gateway/src/openapi/offline.ts');
  const services = Object.fromEntries(
    await Promise.all(
      (['auth-service', 'user-service', 'social-log-service', 'dashboard-api'] as const).map(
        async (name) => [name, await appDocument(name)] as const,
      ),
    ),
  ) as Record<Service, OpenAPI3>;
  // The version is the gateway's package's; left out so a version bump changes no type.
  return publicDocumentFrom({ services, gateway: await appDocument('gateway'), version: '1' });
}

/** The generated module's text, as committed. */
export async function generatedSource(): Promise<string> {
  const nodes = await openapiTS(successes(await openApiDocument()), {
    // `details?: unknown` of the error body stays `unknown`, never `Record<string, never>`.
    emptyObjectsUnknown: true,
  });
  const header =
    '// Generated by `npm run api:types -w frontend` from the public OpenAPI document (the ' +
    "gateway's /openapi.json). Do not edit.\n";
  const target = fileURLToPath(GENERATED_FILE);
  const { code, errors } = await format(target, header + astToString(nodes), await formatting());
  if (errors.length > 0) throw new Error(`oxfmt: ${errors.map((e) => e.message).join('; ')}`);
  return code;
}

/** The repository's formatting settings (.oxfmtrc.json), as `npm run format` applies them. */
async function formatting(): Promise<FormatConfig> {
  const settings = JSON.parse(await readFile(new URL('.oxfmtrc.json', REPO), 'utf8')) as Oxfmtrc & {
    $schema?: string;
  };
  // Which files to format is the command's business; format() is given one.
  delete settings.$schema;
  delete settings.ignorePatterns;
  return settings;
}

export const GENERATED_FILE = new URL('public-api.ts', GENERATED_DIR);

async function committed(): Promise<string | null> {
  try {
    return await readFile(GENERATED_FILE, 'utf8');
  } catch {
    return null;
  }
}

async function main(check: boolean): Promise<number> {
  const text = await generatedSource();
  const stale = text !== (await committed());
  if (check && stale) {
    console.error('API types out of date: run npm run api:types -w frontend');
    return 1;
  }
  if (stale) await writeFile(GENERATED_FILE, text);
  console.log(check ? 'API types up to date' : `API types ${stale ? 'written' : 'unchanged'}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.includes('--check')).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`api-types: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
