import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCountedFilesystem, isLoopback } from './counters.js';
import { parseProcMounts, parseProcNetDev, readLinuxFilesystems, readProcNetDev } from './counters-linux.js';

// Recorded on the Debian 12 development VM, kernel 6.18 (a container: cgroup v1 mounts, bind-mounted tmpfs).
const recorded = (file: string) => readFileSync(join(import.meta.dirname, 'testdata', 'debian-12-linux-6.18', file), 'utf8');

describe('parseProcNetDev', () => {
  it('reads bytes, errors and drops of every interface (recorded /proc/net/dev)', () => {
    const counters = parseProcNetDev(recorded('proc-net-dev.txt'));
    expect(counters.map((c) => c.iface)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    expect(counters[3]).toEqual({ iface: 'eth0', rxBytes: 209160415, rxErrors: 0, rxDropped: 0, txBytes: 395647, txErrors: 0, txDropped: 0 });
  });

  it('takes the columns by position: receive 0–7, transmit 8–15', () => {
    const text = 'h1\nh2\n  eth9: 100 2 3 4 5 6 7 8 200 10 11 12 13 14 15 16\n';
    expect(parseProcNetDev(text)).toEqual([{ iface: 'eth9', rxBytes: 100, rxErrors: 3, rxDropped: 4, txBytes: 200, txErrors: 11, txDropped: 12 }]);
  });

  it('reads old kernels that glue big counters to the colon, and skips torn lines', () => {
    const text = 'h1\nh2\neth0:4294967296 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\neth1: 1 2 3\n';
    expect(parseProcNetDev(text).map((c) => [c.iface, c.rxBytes])).toEqual([['eth0', 4294967296]]);
  });
});

describe('parseProcMounts', () => {
  it('keeps the last entry of a mount point mounted twice and leaves pseudo filesystems to the filter', () => {
    const mounts = parseProcMounts(recorded('proc-self-mounts.txt'));
    const counted = mounts.filter((m) => isCountedFilesystem(m.type));
    expect(counted).toEqual([{ device: '/dev/vda', mount: '/', type: 'ext4' }]);
    expect(mounts.filter((m) => m.mount === '/dev/shm')).toHaveLength(1);
  });

  it('decodes octal escapes in mount points', () => {
    expect(parseProcMounts('/dev/sdb1 /media/My\\040Disk vfat rw 0 0\n')).toEqual([{ device: '/dev/sdb1', mount: '/media/My Disk', type: 'vfat' }]);
  });
});

describe('filters', () => {
  it.each([
    ['ext4', true],
    ['xfs', true],
    ['tmpfs', false],
    ['overlay', false],
    ['squashfs', false],
    ['nfs4', false],
    [undefined, true],
  ])('filesystem %s counted: %s', (type, counted) => {
    expect(isCountedFilesystem(type)).toBe(counted);
  });

  it.each([
    ['lo', true],
    ['lo0', true],
    ['Loopback Pseudo-Interface 1', true],
    ['eth0', false],
    ['lower0', false],
  ])('%s is loopback: %s', (iface, loopback) => {
    expect(isLoopback(iface)).toBe(loopback);
  });
});

describe.runIf(process.platform === 'linux')('live /proc readers', () => {
  it('read this machine', async () => {
    expect((await readProcNetDev()).length).toBeGreaterThan(0);
    const filesystems = await readLinuxFilesystems();
    const root = filesystems.find((f) => f.mount === '/');
    expect(root?.sizeBytes).toBeGreaterThan(0);
    expect(root!.usedBytes + root!.availableBytes).toBeLessThanOrEqual(root!.sizeBytes);
  });
});
