import type { NetworkInterfaceInfo } from 'node:os';
import type { Inventory } from '@vigie/shared';
import { PSEUDO_FILESYSTEMS } from '../pseudo-filesystems.js';
import { asArray, asRecord, cleanText, compact, toBool, toInt, toPositiveNumber } from './clean-values.js';

/** Filesystems, network, OS and sessions: systeminformation results → the Inventory schema. */

const MAX_FILESYSTEMS = 4096;
const MAX_INTERFACES = 4096;
const MAX_ADDRESSES = 256;
const MAX_USERS = 4096;

export function mapFilesystems(fsSize: unknown): Inventory['filesystems'] {
  const out: Inventory['filesystems'] = [];
  const seen = new Set<string>();
  for (const value of asArray(fsSize)) {
    const f = asRecord(value);
    const mount = cleanText(f.mount);
    const type = cleanText(f.type);
    if (mount === undefined || seen.has(mount) || (type !== undefined && PSEUDO_FILESYSTEMS.has(type.toLowerCase()))) continue;
    seen.add(mount);
    out.push(compact({ mount, device: cleanText(f.fs), type, sizeBytes: toInt(f.size), usedBytes: toInt(f.used) }));
    if (out.length === MAX_FILESYSTEMS) break;
  }
  return out;
}

const NO_MAC = /^(?:00[:-]){5}00$/;

/**
 * systeminformation gives one IPv4 and one IPv6 per interface; Node's os.networkInterfaces() gives
 * them all, so addresses come from there when it knows the interface.
 */
export function mapNetwork(siInterfaces: unknown, osInterfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Inventory['network'] {
  const out: Inventory['network'] = [];
  const list = Array.isArray(siInterfaces) ? siInterfaces : siInterfaces ? [siInterfaces] : [];
  for (const value of list) {
    const n = asRecord(value);
    const iface = cleanText(n.iface);
    if (iface === undefined) continue;
    const osAddresses = Object.hasOwn(osInterfaces, iface) ? (osInterfaces[iface] ?? []) : [];
    const collect = (family: 'IPv4' | 'IPv6', fallback: unknown): string[] => {
      const fromOs = osAddresses.filter((a) => a.family === family).map((a) => a.address);
      const addresses = fromOs.length > 0 ? fromOs : [cleanText(fallback)].filter((a): a is string => a !== undefined);
      return [...new Set(addresses)].slice(0, MAX_ADDRESSES);
    };
    const mac = cleanText(n.mac);
    out.push(
      compact({
        iface,
        mac: mac === undefined || NO_MAC.test(mac) ? undefined : mac.toLowerCase(),
        ipv4: collect('IPv4', n.ip4),
        ipv6: collect('IPv6', n.ip6),
        speedMbps: toPositiveNumber(n.speed),
        type: cleanText(n.type),
        virtual: toBool(n.virtual),
        operstate: cleanText(n.operstate),
        dhcp: toBool(n.dhcp),
      }),
    );
    if (out.length === MAX_INTERFACES) break;
  }
  return out;
}

export function mapOs(osInfo: unknown, fallback: { platform: string; hostname: string }): Inventory['os'] {
  const o = asRecord(osInfo);
  return compact({
    platform: cleanText(o.platform) ?? fallback.platform,
    distro: cleanText(o.distro),
    release: cleanText(o.release),
    codename: cleanText(o.codename),
    kernel: cleanText(o.kernel),
    arch: cleanText(o.arch),
    hostname: cleanText(o.hostname) ?? fallback.hostname,
    fqdn: cleanText(o.fqdn),
    build: cleanText(o.build),
    serial: cleanText(o.serial),
  });
}

/** systeminformation gives the login as local "YYYY-MM-DD" + "HH:MM"; the wire carries UTC ISO 8601. */
function loginAt(date: unknown, time: unknown): string | undefined {
  const d = cleanText(date);
  const t = cleanText(time);
  if (d === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
  const local = t !== undefined && /^\d{1,2}:\d{2}(?::\d{2})?$/.test(t) ? `${d}T${t.padStart(5, '0')}` : `${d}T00:00`;
  const ms = new Date(local).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function mapUsers(users: unknown): Inventory['users'] {
  const out: Inventory['users'] = [];
  for (const value of asArray(users)) {
    const u = asRecord(value);
    const user = cleanText(u.user);
    if (user === undefined) continue;
    out.push(compact({ user, tty: cleanText(u.tty), ip: cleanText(u.ip), loginAt: loginAt(u.date, u.time) }));
    if (out.length === MAX_USERS) break;
  }
  return out;
}
