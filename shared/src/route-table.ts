import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { RouteOptions } from 'fastify';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * A copy of the application's route paths, kept so that the not-found handler can tell an
 * unknown path (404) from a known path asked with the wrong method (405 with `Allow`), which
 * Fastify itself does not distinguish.
 */
export class RouteTable {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true });

  add(route: Pick<RouteOptions, 'method' | 'url'>): void {
    const methods = new Set(
      (Array.isArray(route.method) ? route.method : [route.method]).map(String),
    );
    if (methods.has('GET')) methods.add('HEAD');
    for (const method of methods) {
      if (!METHODS.includes(method as HTTPMethod)) continue;
      if (this.router.hasRoute(method as HTTPMethod, route.url)) continue;
      this.router.on(method as HTTPMethod, route.url, () => undefined);
    }
  }

  /** The methods registered for a concrete path, in a stable order. */
  allowedMethods(path: string): string[] {
    const pathname = path.split('?')[0] ?? path;
    return METHODS.filter((method) => this.router.find(method, pathname) !== null);
  }
}
