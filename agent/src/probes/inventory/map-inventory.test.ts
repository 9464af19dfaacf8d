import { agentBodyError, type Inventory } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { cleanHardwareText, cleanText, toInt } from './clean-values.js';
import { mapBaseboard, mapBios, mapChassis, mapCpu, mapDisks, mapMemory, mapSystem } from './map-hardware.js';
import { mapFilesystems, mapNetwork, mapOs, mapUsers } from './map-system.js';

/** Whatever systeminformation returns, the mappers produce a valid inventory and never throw. */
function inventoryFrom(parts: Record<string, unknown>): Inventory {
  return {
    collectedAt: 0,
    system: mapSystem(parts.system, parts.uuid),
    bios: mapBios(parts.bios),
    baseboard: mapBaseboard(parts.baseboard),
    chassis: mapChassis(parts.chassis),
    cpu: mapCpu(parts.cpu),
    memory: mapMemory(parts.mem, parts.memLayout),
    disks: mapDisks(parts.diskLayout, parts.blockDevices),
    filesystems: mapFilesystems(parts.fsSize),
    network: mapNetwork(parts.networkInterfaces, {}),
    os: mapOs(parts.osInfo, { platform: 'linux', hostname: 'fallback' }),
    users: mapUsers(parts.users),
    software: [],
  };
}

describe('mapping systeminformation results', () => {
  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['numbers', 42],
    ['strings', 'x'],
    ['arrays', []],
    ['NaN', Number.NaN],
  ])('survives %s in every slot', (_what, junk) => {
    const parts = Object.fromEntries(
      [
        'system',
        'uuid',
        'bios',
        'baseboard',
        'chassis',
        'cpu',
        'mem',
        'memLayout',
        'diskLayout',
        'blockDevices',
        'fsSize',
        'networkInterfaces',
        'osInfo',
        'users',
      ].map((k) => [k, junk]),
    );
    const inv = inventoryFrom(parts);
    expect(agentBodyError('inventory', inv)).toBeUndefined();
    expect(inv.os.hostname).toBe('fallback');
  });

  it('drops firmware placeholders, empty strings and non-integer sizes', () => {
    const inv = inventoryFrom({
      system: {
        manufacturer: 'To Be Filled By O.E.M.',
        model: 'Docker Container',
        serial: '-',
        uuid: '00000000-0000-0000-0000-000000000000',
        sku: '',
        virtual: true,
      },
      uuid: { hardware: '4c4c4544-0042-3510-8052-b4c04f4e4e32' },
      bios: { vendor: '', version: 'Default string', releaseDate: '2023-01-01', serial: 'System Serial Number' },
      cpu: { manufacturer: 'AMD', brand: 'EPYC', cores: 2.0, physicalCores: '2', processors: 0, speed: 0, speedMax: 3.7, virtualization: 'yes' },
      mem: { total: 25276510208.4 },
      memLayout: [
        { size: 0, bank: 'DIMM 2' },
        { size: 17179869184, bank: 'DIMM 1', clockSpeed: null, partNum: ' ', serialNum: 'Unknown' },
      ],
      fsSize: [
        { fs: 'tmpfs', type: 'tmpfs', mount: '/run', size: 1, used: 0 },
        { fs: '/dev/vda', type: 'ext4', mount: '/', size: 270553174016.7, used: -1 },
        { fs: '/dev/vda', type: 'ext4', mount: '/', size: 1, used: 1 },
      ],
    });
    expect(agentBodyError('inventory', inv)).toBeUndefined();
    expect(inv.system).toEqual({ model: 'Docker Container', uuid: '4c4c4544-0042-3510-8052-b4c04f4e4e32', virtual: true });
    expect(inv.bios).toEqual({ releaseDate: '2023-01-01' });
    expect(inv.cpu).toEqual({ manufacturer: 'AMD', brand: 'EPYC', cores: 2, physicalCores: 2, speedGHz: 3.7 });
    expect(inv.memory).toEqual({ totalBytes: 25276510208, modules: [{ slot: 'DIMM 1', sizeBytes: 17179869184 }] });
    expect(inv.filesystems).toEqual([{ mount: '/', device: '/dev/vda', type: 'ext4', sizeBytes: 270553174017 }]);
  });

  it('falls back to whole-disk block devices when diskLayout() is empty (virtio)', () => {
    const disks = mapDisks(
      [],
      [
        { name: 'vda', type: 'disk', size: 274877906944, physical: 'HDD', device: '/dev/vda', model: '' },
        { name: 'zram0', type: 'disk', size: 0 },
        { name: 'loop0', type: 'disk', size: 1000 },
        { name: 'vda1', type: 'part', size: 1000 },
      ],
    );
    expect(disks).toEqual([{ device: '/dev/vda', sizeBytes: 274877906944, type: 'HDD' }]);
  });

  it('takes every address from os.networkInterfaces() and drops the all-zero MAC', () => {
    const network = mapNetwork(
      [
        { iface: 'lo', mac: '00:00:00:00:00:00', ip4: '127.0.0.1', ip6: '::1', speed: null, operstate: 'unknown' },
        { iface: 'eth0', mac: '02:FC:00:00:00:01', ip4: '192.0.2.2', ip6: 'fd00::2', speed: -1, type: 'wired', dhcp: false },
      ],
      {
        eth0: [
          { address: '192.0.2.2', family: 'IPv4', netmask: '', mac: '', internal: false, cidr: null },
          { address: '192.0.2.3', family: 'IPv4', netmask: '', mac: '', internal: false, cidr: null },
          { address: 'fd00::2', family: 'IPv6', netmask: '', mac: '', internal: false, cidr: null, scopeid: 0 },
        ],
      },
    );
    expect(network).toEqual([
      { iface: 'lo', ipv4: ['127.0.0.1'], ipv6: ['::1'], operstate: 'unknown' },
      { iface: 'eth0', mac: '02:fc:00:00:00:01', ipv4: ['192.0.2.2', '192.0.2.3'], ipv6: ['fd00::2'], type: 'wired', dhcp: false },
    ]);
  });

  it('turns a local login date and time into UTC ISO 8601', () => {
    const [user] = mapUsers([{ user: 'alice', tty: 'pts/0', date: '2024-03-14', time: '10:12', ip: '192.0.2.9' }]);
    expect(user?.loginAt).toBe(new Date('2024-03-14T10:12').toISOString());
    expect(mapUsers([{ user: 'bob', date: 'yesterday' }])).toEqual([{ user: 'bob' }]);
  });
});

describe('clean values', () => {
  it('keeps hostile text as one bounded line of data', () => {
    expect(cleanText('<b>x</b>\r\n\u001b[31mred\u001b[0m\u0000')).toBe('<b>x</b> red');
    expect(cleanText('x'.repeat(200_000))?.length).toBe(128 * 1024);
    expect(cleanText('   ')).toBeUndefined();
    expect(cleanText({})).toBeUndefined();
  });

  it('drops vendor placeholders', () => {
    expect(cleanHardwareText('Default string')).toBeUndefined();
    expect(cleanHardwareText('03000200-0400-0500-0006-000700080009')).toBeUndefined();
    expect(cleanHardwareText('Dell Inc.')).toBe('Dell Inc.');
  });

  it('rounds sizes to integers and refuses negatives, NaN and Infinity', () => {
    expect(toInt(1.5)).toBe(2);
    expect(toInt('2048')).toBe(2048);
    expect([toInt(-1), toInt(Number.NaN), toInt(Number.POSITIVE_INFINITY), toInt('')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
