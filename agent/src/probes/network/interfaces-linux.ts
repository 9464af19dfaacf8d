import { readdir, readFile, realpath } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { InterfaceReading } from './interface-check.js';
import { parseProcNetRoute, sysfsNumber } from './parse-linux.js';

/**
 * Linux: interface state and error counters from sysfs, the default gateway from /proc/net/route —
 * a few small reads and no child process (systeminformation ran two dozen shell commands per
 * interface at every run).
 */

const readOr = (path: string) => readFile(path, 'utf8').catch(() => undefined);

/** Kernel-made devices (loopback, bridges, bonds, VLANs, veth, tun, docker0) live under /sys/devices/virtual. */
async function isVirtual(sysNet: string, iface: string): Promise<boolean | undefined> {
  const target = await realpath(join(sysNet, iface)).catch(() => undefined);
  return target === undefined ? undefined : target.includes('/devices/virtual/');
}

/** The devices under a bridge, bond or VLAN (its `lower_<name>` links), recursively. */
async function lowerDevices(sysNet: string, iface: string, depth = 0): Promise<string[]> {
  if (depth > 4) return [];
  const lowers = (await readdir(join(sysNet, iface)).catch(() => [] as string[])).filter((e) => e.startsWith('lower_')).map((e) => e.slice(6));
  const deeper = await Promise.all(lowers.map((l) => lowerDevices(sysNet, l, depth + 1)));
  return [...lowers, ...deeper.flat()];
}

/** Names of the interfaces that carry an address other than loopback's (as Node sees them: up and running). */
export function addressedInterfaces(ifaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces()): string[] {
  return Object.entries(ifaces)
    .filter(([, addrs]) => (addrs ?? []).some((a) => !a.internal))
    .map(([name]) => name);
}

/**
 * The physical interfaces in use: those that carry an address, the ports under an addressed bridge,
 * bond or VLAN, and the ones read before (so a link that went down — and lost its address — is
 * still reported, as down).
 */
export async function readLinuxInterfaces(
  opts: { addressed?: readonly string[]; previous?: Iterable<string>; sysNet?: string } = {},
): Promise<InterfaceReading[]> {
  const sysNet = opts.sysNet ?? '/sys/class/net';
  const wanted = new Set<string>();
  for (const name of opts.addressed ?? addressedInterfaces()) {
    const virtual = await isVirtual(sysNet, name);
    if (virtual === false) wanted.add(name);
    else if (virtual) for (const lower of await lowerDevices(sysNet, name)) if ((await isVirtual(sysNet, lower)) === false) wanted.add(lower);
  }
  for (const name of opts.previous ?? []) if ((await isVirtual(sysNet, name)) === false) wanted.add(name);
  const readings = await Promise.all(
    [...wanted].sort().map(async (iface): Promise<InterfaceReading | undefined> => {
      const dir = join(sysNet, iface);
      const [operstate, speed, rx, tx] = await Promise.all([
        readOr(join(dir, 'operstate')),
        readOr(join(dir, 'speed')),
        readOr(join(dir, 'statistics', 'rx_errors')),
        readOr(join(dir, 'statistics', 'tx_errors')),
      ]);
      if (operstate === undefined) return undefined; // removed meanwhile
      const speedMbps = sysfsNumber(speed);
      return {
        iface,
        operstate: operstate.trim() || 'unknown',
        speedMbps: speedMbps !== null && speedMbps > 0 ? speedMbps : null,
        rxErrors: sysfsNumber(rx) ?? 0,
        txErrors: sysfsNumber(tx) ?? 0,
      };
    }),
  );
  return readings.filter((r): r is InterfaceReading => r !== undefined);
}

export async function linuxDefaultGateway(procRoot = '/proc'): Promise<string | undefined> {
  return parseProcNetRoute((await readOr(join(procRoot, 'net', 'route'))) ?? '');
}
