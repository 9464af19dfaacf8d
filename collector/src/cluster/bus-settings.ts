import { hostname } from 'node:os';
import { VigieError } from '@vigie/shared';

/** How collectors on several machines reach each other: a NATS server (or cluster), and this collector's name. */
export interface BusSettings {
  /** `nats://host:port` (several, comma-separated, for a NATS cluster); absent: this collector talks to no other. */
  url?: string | undefined;
  /** This collector's name in the cluster (agents it holds, leases it takes, its durable consumer on the bus). */
  nodeId: string;
}

/** A collector's name in the cluster (also checked on every bus message naming one: cluster-messages.ts). */
export const NODE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
const NODE_ID = new RegExp(NODE_ID_PATTERN);
/**
 * A process's name on the bus: the node id, and with `--workers` the worker's suffix (`-w3`). What
 * peers accept as a sender or a holder: a 64-character node id with workers is a valid name too.
 */
export const BUS_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(-w[0-9]{1,4})?$';
export const BUS_NAME_MAX_LENGTH = 70;

/**
 * The default name: the host's name and the port, stable across restarts and distinct for two
 * collectors of one machine (a port chosen by the system, 0, gives the process id instead).
 */
export function defaultNodeId(port: number): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '') || 'collector';
  return `${host.slice(0, 50)}-${port === 0 ? `pid${process.pid}` : port}`;
}

export function checkNodeId(id: string): string {
  if (!NODE_ID.test(id))
    throw new VigieError(
      'BUS_SETTINGS_INVALID',
      `--node-id : « ${id} » n’est pas un nom de collecteur (lettres, chiffres, « . », « _ », « - », 64 au plus) / ` +
        `--node-id: ${JSON.stringify(id)} is not a collector name (letters, digits, '.', '_', '-', at most 64)`,
    );
  return id;
}

/**
 * `--bus` / VIGIE_BUS_URL: one or more NATS server URLs, comma-separated (`nats://`, or `tls://` for
 * TLS). A typo fails at start with both languages' explanation; a password in the URL is not repeated.
 */
export function parseBusUrl(raw: string): string[] {
  const servers = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = (what: string) =>
    new VigieError(
      'BUS_SETTINGS_INVALID',
      `--bus : « ${what} » n’est pas une adresse NATS (nats://hôte:port ou tls://hôte:port, plusieurs séparées par des virgules) / ` +
        `--bus: ${JSON.stringify(what)} is not a NATS address (nats://host:port or tls://host:port, several comma-separated)`,
    );
  if (servers.length === 0) throw bad(raw);
  for (const s of servers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw bad(redact(s));
    }
    const portOk = u.port === '' || (Number(u.port) > 0 && Number(u.port) < 65536);
    if ((u.protocol !== 'nats:' && u.protocol !== 'tls:') || u.hostname === '' || !portOk || (u.pathname !== '' && u.pathname !== '/')) throw bad(redact(s));
  }
  return servers;
}

export interface NatsServersAndAuth {
  /** The server URLs without credentials. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * The NATS client takes no credentials from a URL: `nats://user:password@host` (user and password)
 * or `nats://token@host` (a token) become its options, from the first URL that carries some (as
 * other NATS clients do; give every server the same), and the URLs it dials carry none.
 */
export function natsServersAndAuth(servers: string[]): NatsServersAndAuth {
  const out: NatsServersAndAuth = { servers: [] };
  for (const s of servers) {
    const u = new URL(s);
    if (u.username && out.user === undefined && out.token === undefined) {
      const name = decodeURIComponent(u.username);
      if (u.password) {
        out.user = name;
        out.pass = decodeURIComponent(u.password);
      } else out.token = name;
    }
    out.servers.push(`${u.protocol}//${u.host}`);
  }
  return out;
}

/** A server URL as it may appear in a log: without user and password. */
export function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@');
}
