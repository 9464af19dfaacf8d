import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addressedInterfaces, linuxDefaultGateway, readLinuxInterfaces } from './interfaces-linux.js';
import { parseProcNetRoute, sysfsNumber } from './parse-linux.js';

// Recorded on the Debian 12 development VM, kernel 6.18: one virtio NIC, default route via 192.0.2.1.
const recorded = (file: string) => readFileSync(join(import.meta.dirname, 'testdata', 'debian-12-linux-6.18', file), 'utf8');

/** A /sys/class/net look-alike: each entry a link into devices/…, as the kernel lays it out. */
function fakeSysfs(devices: Record<string, { virtual?: boolean; operstate: string; speed?: string; rx?: number; tx?: number; lowers?: string[] }>) {
  const root = mkdtempSync(join(tmpdir(), 'vigie-sysfs-'));
  mkdirSync(join(root, 'class', 'net'), { recursive: true });
  for (const [name, d] of Object.entries(devices)) {
    const dir = join(root, 'devices', d.virtual ? 'virtual/net' : 'pci0000:00/0000:00:03.0/net', name);
    mkdirSync(join(dir, 'statistics'), { recursive: true });
    writeFileSync(join(dir, 'operstate'), `${d.operstate}\n`);
    if (d.speed !== undefined) writeFileSync(join(dir, 'speed'), `${d.speed}\n`);
    writeFileSync(join(dir, 'statistics', 'rx_errors'), `${d.rx ?? 0}\n`);
    writeFileSync(join(dir, 'statistics', 'tx_errors'), `${d.tx ?? 0}\n`);
    for (const l of d.lowers ?? []) symlinkSync(`../${l}`, join(dir, `lower_${l}`));
    symlinkSync(dir, join(root, 'class', 'net', name));
  }
  return join(root, 'class', 'net');
}

describe('parseProcNetRoute', () => {
  it('reads the default gateway (recorded /proc/net/route)', () => {
    expect(parseProcNetRoute(recorded('proc-net-route.txt'))).toBe('192.0.2.1');
  });

  it('takes the default route with the lowest metric, and none without a gateway flag', () => {
    const head = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
    const text = `${head}wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\neth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n`;
    expect(parseProcNetRoute(text)).toBe('10.0.0.1');
    expect(parseProcNetRoute(`${head}eth0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n`)).toBeUndefined();
    expect(parseProcNetRoute('')).toBeUndefined();
  });

  it('reads sysfs numbers, and none from an empty or unreadable file', () => {
    expect(sysfsNumber('1000\n')).toBe(1000);
    expect(sysfsNumber('-1\n')).toBe(-1);
    expect(sysfsNumber('')).toBeNull();
    expect(sysfsNumber(undefined)).toBeNull();
  });
});

describe('readLinuxInterfaces', () => {
  it('reads the addressed physical interfaces and the ports under an addressed bridge or bond, never virtual devices', async () => {
    const sysNet = fakeSysfs({
      lo: { virtual: true, operstate: 'unknown' },
      eth0: { operstate: 'up', speed: '1000', rx: 3, tx: 1 },
      eth1: { operstate: 'up', speed: '-1' },
      eth2: { operstate: 'down' },
      br0: { virtual: true, operstate: 'up', lowers: ['bond0'] },
      bond0: { virtual: true, operstate: 'up', lowers: ['eth1'] },
      veth1234: { virtual: true, operstate: 'up' },
    });
    const readings = await readLinuxInterfaces({ addressed: ['lo', 'eth0', 'br0', 'veth1234'], sysNet });
    expect(readings).toEqual([
      { iface: 'eth0', operstate: 'up', speedMbps: 1000, rxErrors: 3, txErrors: 1 },
      { iface: 'eth1', operstate: 'up', speedMbps: null, rxErrors: 0, txErrors: 0 },
    ]);
  });

  it('still reads an interface seen before that lost its address, so a link that went down reports down', async () => {
    const sysNet = fakeSysfs({ eth0: { operstate: 'up' }, eth2: { operstate: 'down' } });
    const readings = await readLinuxInterfaces({ addressed: ['eth0'], previous: ['eth2', 'usb0'], sysNet });
    expect(readings.map((r) => [r.iface, r.operstate])).toEqual([
      ['eth0', 'up'],
      ['eth2', 'down'],
    ]);
  });

  it('reads this machine: its interfaces with an address, and its gateway when it has one', async () => {
    const names = addressedInterfaces();
    expect(names).not.toContain('lo');
    const readings = await readLinuxInterfaces();
    for (const r of readings) expect(r.operstate).toMatch(/^[a-z]+$/);
    const gateway = await linuxDefaultGateway();
    if (gateway !== undefined) expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});
