import { VigieError } from '@vigie/shared';

/**
 * The schemes an agent accepts for a collector. A ws(s) URL names the same server as its http(s)
 * twin: the list is kept in http(s) form, from which both the enrollment request and the channel's
 * WebSocket URL are derived (wss ↔ https, so TLS is never lost on the way).
 */
const SCHEMES: Record<string, 'http:' | 'https:'> = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' };
/** More would only be a mistake (a pasted file): failing over through 16 collectors already takes minutes. */
export const MAX_COLLECTOR_URLS = 16;

const invalid = (message: string) => new VigieError('AGENT_COLLECTOR_URL_INVALID', message);
/**
 * A password typed into a URL must not reach the terminal or a log through an error message.
 * Everything between the scheme and the last '@' before any query or fragment is hidden: a
 * password may itself hold '@' or '/' (`https://u:p@ss@host`, `https://u:p/w@host`).
 */
export function shown(raw: string): string {
  const end = raw.search(/[?#]/);
  const at = raw.lastIndexOf('@', end === -1 ? raw.length : end);
  if (at === -1) return JSON.stringify(raw);
  const scheme = /^[a-z][a-z0-9+.-]*:[/\\]*/i.exec(raw)?.[0] ?? '';
  return JSON.stringify(`${scheme}…${raw.slice(at)}`);
}

/** One collector URL, checked and put in its canonical http(s) form without trailing slash. */
export function parseCollectorUrl(raw: string): string {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw invalid(`collector URL ${shown(text)} is not a URL (expected e.g. https://collector.example.fr)`);
  }
  const scheme = SCHEMES[u.protocol];
  if (!scheme) throw invalid(`collector URL ${shown(text)}: only http, https, ws and wss are accepted, not ${u.protocol.replace(/:$/, '')}`);
  if (!u.hostname) throw invalid(`collector URL ${shown(text)} has no host`);
  // The agent authenticates with its own credential: a user or password in the URL is a mistake, and would be logged.
  if (u.username || u.password) throw invalid(`collector URL ${shown(text)} must not carry a user name or password`);
  if (u.search || u.hash) throw invalid(`collector URL ${shown(text)} must not carry a query (?…) or a fragment (#…)`);
  const path = u.pathname.replace(/\/+$/, '');
  // `a.fr.` (fully qualified) is the same server as `a.fr`: one form, so the list has no duplicate.
  const host = `${u.hostname.replace(/\.$/, '')}${u.port ? `:${u.port}` : ''}`;
  return `${scheme}//${host}${path}`;
}

/**
 * The ordered list of collectors from what the user gave: each value may hold several URLs
 * separated by commas (`--collector a,b --collector c`). The first is the primary. Refused with a
 * clear error: an empty list or item, a malformed URL, a duplicate, and a list that mixes TLS and
 * plain URLs (the agent's credential would travel in clear to some of them: a list is as safe as
 * its weakest URL, so it is all TLS or, for a lab or loopback, all plain).
 */
export function parseCollectorUrls(values: readonly string[], o: { allowPlain?: boolean } = {}): string[] {
  const items = values.flatMap((v) => v.split(','));
  if (items.length === 0 || items.every((i) => i.trim() === '')) throw invalid('no collector URL given');
  if (items.some((i) => i.trim() === '')) throw invalid(`empty collector URL in ${shown(values.join(','))} (a stray comma?)`);
  const urls: string[] = [];
  for (const item of items) {
    const url = parseCollectorUrl(item);
    if (urls.includes(url)) throw invalid(`collector URL ${shown(item.trim())} is given twice`);
    urls.push(url);
  }
  if (urls.length > MAX_COLLECTOR_URLS) throw invalid(`${urls.length} collector URLs given: at most ${MAX_COLLECTOR_URLS}`);
  const tls = urls.filter((u) => u.startsWith('https:'));
  if (tls.length > 0 && tls.length < urls.length) {
    const plain = urls.find((u) => u.startsWith('http:'))!;
    throw invalid(`collector URLs mix TLS and plain connections (${plain}): the agent's credential would travel unencrypted; give them all as https/wss`);
  }
  const remotePlain = urls.find((u) => u.startsWith('http:') && !isLoopback(u));
  if (remotePlain && !o.allowPlain) {
    throw invalid(
      `collector URL ${remotePlain} is plain (http/ws) to another machine: the agent's credential would travel unencrypted; give https/wss, or --allow-plain for a closed lab`,
    );
  }
  return urls;
}

/** Plain connections stay on this machine for these (tests, labs): 127.0.0.0/8, ::1, localhost. */
export function isLoopback(collectorUrl: string): boolean {
  const host = new URL(collectorUrl).hostname.replace(/\.$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A list whose URLs all use TLS. */
export const allTls = (urls: readonly string[]): boolean => urls.every((u) => u.startsWith('https:'));

/** Whether the credential must keep the `--allow-plain` opt-in: given, and the list has plain URLs to another machine. */
export const needsPlainOptIn = (urls: readonly string[], allowPlain: boolean | undefined): boolean =>
  allowPlain === true && !urls.every(isLoopback) && !allTls(urls);

/** The channel's WebSocket URL for a collector URL of the list. */
export function channelUrl(collectorUrl: string): string {
  const u = new URL(collectorUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v1/agent`;
  return u.toString();
}

/** A fetch made with `redirect: 'error'` that met a redirect (undici: "fetch failed", cause "unexpected redirect"). */
export function isRedirectRefusal(err: unknown): boolean {
  return /redirect/i.test((err as { cause?: { message?: string } }).cause?.message ?? '');
}
