import { readFileSync } from 'node:fs';

/**
 * The version in the package.json one folder above a module (src/ and dist/ both sit directly
 * inside a package), for /health.
 */
export function packageVersion(moduleUrl: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
