import { isIP } from 'node:net';

/**
 * Policies for the agents the tests and benchmarks start: nothing they do may reach beyond this
 * machine's loopback. The collector's defaults would have the network probe ping the machine's
 * default gateway every five minutes; a test agent's client gets LOOPBACK_ONLY_POLICY before the
 * agent starts (the agent runs no probe before its first policy), and every policy a test pushes
 * to a real agent goes through `assertLoopbackOnly`, which refuses any other address.
 */

/** Client-level overrides for test agents: the network probe pings and checks loopback only. */
export const LOOPBACK_ONLY_POLICY = {
  probes: { network: { pingGateway: false, internetHost: null, pingHosts: ['127.0.0.1'], http: [], tcp: [], dns: [] } },
} as const;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** A CIDR range entirely inside 127.0.0.0/8 or ::1/128. */
function isLoopbackRange(cidr: string): boolean {
  const [addr = '', bits = ''] = cidr.split('/');
  if (isIP(addr) === 4) return addr.startsWith('127.') && Number(bits) >= 8;
  if (isIP(addr) === 6) return addr === '::1' && Number(bits) === 128;
  return false;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What in these policy overrides would make an agent send something beyond loopback (empty: nothing). */
export function beyondLoopback(overrides: unknown): string[] {
  const out: string[] = [];
  const probes = asObj(asObj(overrides)?.probes) ?? {};
  const host = (what: string, h: unknown) => {
    if (typeof h !== 'string' || !isLoopbackHost(h)) out.push(`${what}: ${String(h)}`);
  };
  const network = asObj(probes.network);
  if (network) {
    // Left out, the gateway ping is on (the default): a test must say false.
    if (network.pingGateway !== false) out.push('network.pingGateway: the default gateway (set it to false)');
    if (network.internetHost !== undefined && network.internetHost !== null) host('network.internetHost', network.internetHost);
    for (const h of asList(network.pingHosts)) host('network.pingHosts', h);
    for (const t of asList(network.http)) {
      const url = asObj(t)?.url;
      let hostname: unknown = url;
      try {
        hostname = new URL(String(url)).hostname;
      } catch {}
      host('network.http', hostname);
    }
    for (const t of asList(network.tcp)) host('network.tcp', asObj(t)?.host);
    // A name is resolved by the resolver given, else by the system's (wherever /etc/resolv.conf points).
    for (const d of asList(network.dns)) host('network.dns resolver', asObj(d)?.resolver);
  }
  const snmp = asObj(probes.snmp);
  if (snmp) {
    for (const t of asList(snmp.targets)) host('snmp.targets', asObj(t)?.address);
    const scan = asObj(snmp.scan);
    if (scan && !(typeof scan.cidr === 'string' && isLoopbackRange(scan.cidr))) out.push(`snmp.scan.cidr: ${String(scan.cidr)}`);
  }
  // The flow receiver listens (on every address by default): on loopback only, for a test.
  const flows = asObj(probes.flows);
  if (flows && flows.enabled !== false) host('flows.bind', flows.bind);
  const backup = asObj(probes.backup);
  // restic and Borg repositories: a local path only (sftp:, rest:, s3:, ssh://… reach a server).
  for (const t of asList(backup?.targets)) {
    const repo = asObj(t)?.repository;
    if (repo !== undefined && !(typeof repo === 'string' && repo.startsWith('/'))) out.push(`backup.targets repository: ${String(repo)}`);
  }
  return out;
}

/** Throws when `overrides` would make a test agent reach beyond loopback. */
export function assertLoopbackOnly(overrides: unknown): void {
  const found = beyondLoopback(overrides);
  if (found.length > 0) throw new Error(`a test agent's policy must target loopback only; refused: ${found.join('; ')}`);
}
