import type { Inventory } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { canonicalJson, inventoryHash } from './inventory-hash.js';

const base = (): Inventory => ({
  collectedAt: 1_700_000_000_000,
  system: { manufacturer: 'ACME', virtual: false },
  bios: {},
  baseboard: {},
  chassis: {},
  cpu: { brand: 'EPYC', cores: 2, speedGHz: 2.4 },
  memory: { totalBytes: 1024, modules: [] },
  disks: [],
  filesystems: [
    { mount: '/', sizeBytes: 100, usedBytes: 10 },
    { mount: '/boot', sizeBytes: 50, usedBytes: 5 },
  ],
  network: [
    { iface: 'eth0', mac: '02:00:00:00:00:01', ipv4: ['10.0.0.2'], ipv6: [] },
    { iface: 'eth1', ipv4: [], ipv6: [] },
  ],
  os: { platform: 'linux', hostname: 'h' },
  users: [{ user: 'root', tty: 'pts/0' }],
  software: [
    { name: 'a', version: '1', source: 'dpkg' },
    { name: 'b', version: '2', source: 'dpkg' },
  ],
});

describe('inventoryHash', () => {
  it('is a sha256 hex digest', () => {
    expect(inventoryHash(base())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores collectedAt, filesystem used space, CPU clock, key order and list order', () => {
    const other = base();
    other.collectedAt += 60_000;
    other.filesystems = [
      { usedBytes: 7, sizeBytes: 50, mount: '/boot' },
      { mount: '/', sizeBytes: 100, usedBytes: 99 },
    ];
    other.cpu.speedGHz = 3.1;
    other.network.reverse();
    other.software.reverse();
    expect(inventoryHash(other)).toBe(inventoryHash(base()));
  });

  it.each<[string, (inv: Inventory) => void]>([
    ['a package upgrade', (inv) => (inv.software[0]!.version = '1.1')],
    ['a new package', (inv) => inv.software.push({ name: 'c', source: 'dpkg' })],
    ['a resized filesystem', (inv) => (inv.filesystems[0]!.sizeBytes = 200)],
    ['a new address', (inv) => inv.network[1]!.ipv4.push('10.0.1.2')],
    ['a new session', (inv) => inv.users.push({ user: 'alice' })],
    ['more memory', (inv) => (inv.memory.totalBytes = 2048)],
    ['a hostname', (inv) => (inv.os.hostname = 'h2')],
  ])('changes with %s', (_what, change) => {
    const other = base();
    change(other);
    expect(inventoryHash(other)).not.toBe(inventoryHash(base()));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: null }] } })).toBe('{"a":{"c":[2,{"y":null,"z":1}]},"b":1}');
  });
});
