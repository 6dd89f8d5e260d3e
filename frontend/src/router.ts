import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes (`#/check-in`): the app is one index.html that nginx, the gateway or any static
 * server can serve without a fallback rule, and a reload keeps the page.
 */
export interface Location {
  path: string;
  params: URLSearchParams;
}

export function currentLocation(): Location {
  const hash = window.location.hash.replace(/^#/, '');
  const [path = '', query = ''] = hash.split('?', 2);
  return { path: path === '' ? '/' : path, params: new URLSearchParams(query) };
}

export function href(path: string, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : '';
  return `#${path}${query ? `?${query}` : ''}`;
}

export function navigate(path: string, params?: Record<string, string>): void {
  window.location.hash = href(path, params);
}

export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const update = () => {
      setLocation(currentLocation());
    };
    window.addEventListener('hashchange', update);
    return () => {
      window.removeEventListener('hashchange', update);
    };
  }, []);
  return location;
}

/** The parameters of `pattern` (`/admin/events/:id`) in `path`, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i] ?? '';
    if (part.startsWith(':')) {
      if (value === '') return null;
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) {
      return null;
    }
  }
  return params;
}
