import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routing (`#/devices/42`): the collector serves one index.html and needs no fallback route,
 * and a reload lands on the same page.
 */
function currentPath(): string {
  const h = location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = () => setPath(currentPath());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return path
    .split('?')[0]!
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}

export function href(path: string): string {
  return `#${path}`;
}

export function navigate(path: string): void {
  location.hash = path;
}

/** A positive integer route parameter, or undefined. */
export function idParam(s: string | undefined): number | undefined {
  return s && /^\d{1,12}$/.test(s) && Number(s) > 0 ? Number(s) : undefined;
}

/** The query part of the hash route (`#/devices?state=offline`). */
export function useHashQuery(): URLSearchParams {
  const [q, setQ] = useState(() => new URLSearchParams(location.hash.split('?')[1] ?? ''));
  useEffect(() => {
    const on = () => setQ(new URLSearchParams(location.hash.split('?')[1] ?? ''));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return q;
}
