import type { Inventory } from './inventory.js';

/**
 * The canonical text of an inventory, hashed by both ends (sha256) to tell whether it changed.
 * Left out is what moves between two collections of an unchanged machine: the collection time,
 * used space and the CPU clock (where the current frequency is read). Lists are sorted, so an
 * enumeration order (registry, interfaces) does not count as a change.
 */
export function canonicalInventory(inv: Inventory): string {
  const { collectedAt: _collectedAt, cpu, filesystems, ...rest } = inv;
  const { speedGHz: _speed, ...stableCpu } = cpu;
  const byKey = <T>(items: T[], key: (item: T) => string): T[] => [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return canonicalJson({
    ...rest,
    cpu: stableCpu,
    filesystems: byKey(
      filesystems.map(({ usedBytes: _used, ...fs }) => fs),
      (f) => f.mount,
    ),
    disks: byKey(rest.disks, (d) => canonicalJson(d)),
    network: byKey(rest.network, (n) => n.iface),
    users: byKey(rest.users, (u) => canonicalJson(u)),
    software: byKey(rest.software, (s) => `${s.name}\u0000${s.version ?? ''}\u0000${s.arch ?? ''}\u0000${s.source}`),
  });
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
