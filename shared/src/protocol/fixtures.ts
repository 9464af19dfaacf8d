/**
 * Valid and invalid protocol v1 frames, used by the shared tests, the collector's channel tests and
 * the agent's transport tests, so both ends agree on what is accepted and which code a refusal carries.
 */
import type { Inventory } from './inventory.js';

export const sampleInventory: Inventory = {
  collectedAt: 1_790_000_000_000,
  system: { manufacturer: 'Dell Inc.', model: 'OptiPlex 7090', serial: 'CN0ABC123', uuid: '4c4c4544-0042-3510-8035-b4c04f593233', virtual: false },
  bios: { vendor: 'Dell Inc.', version: '1.14.0', releaseDate: '2022-08-09' },
  baseboard: { manufacturer: 'Dell Inc.', model: '0W4X3R', serial: '/CN0ABC123/CNWS20028A00AB/' },
  chassis: { manufacturer: 'Dell Inc.', type: 'Tower', serial: 'CN0ABC123' },
  cpu: { manufacturer: 'Intel', brand: 'Core i7-10700', cores: 16, physicalCores: 8, sockets: 1, speedGHz: 2.9 },
  memory: {
    totalBytes: 17_179_869_184,
    modules: [{ slot: 'DIMM1', sizeBytes: 8_589_934_592, type: 'DDR4', speedMHz: 2933, manufacturer: 'SK Hynix', serial: '12345678' }],
  },
  disks: [{ device: '/dev/nvme0n1', model: 'PC SN730 NVMe WDC 512GB', serial: '2049XY801234', sizeBytes: 512_110_190_592, type: 'NVMe', interface: 'PCIe' }],
  filesystems: [{ mount: '/', device: '/dev/nvme0n1p2', type: 'ext4', sizeBytes: 500_000_000_000, usedBytes: 120_000_000_000 }],
  network: [{ iface: 'eth0', mac: 'b0:4f:13:01:02:03', ipv4: ['192.0.2.10'], ipv6: [], speedMbps: 1000, type: 'wired', virtual: false, operstate: 'up' }],
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', codename: 'bookworm', kernel: '6.1.0-18-amd64', arch: 'x64', hostname: 'pc-compta-01' },
  users: [{ user: 'marie', tty: 'tty7', loginAt: '2026-10-05T08:02:00Z' }],
  software: [
    { name: 'libreoffice-core', version: '4:7.4.7-1+deb12u3', publisher: 'Debian LibreOffice Maintainers', source: 'dpkg', arch: 'amd64' },
    { name: 'firefox-esr', version: '115.9.1esr-1~deb12u1', source: 'dpkg' },
  ],
};

const env = (type: string, seq: number, body: unknown) => ({ v: 1, type, seq, ts: 1_790_000_000_000, body });

export const validAgentFrames: { name: string; frame: unknown }[] = [
  {
    name: 'hello',
    frame: env('hello', 0, {
      agentVersion: '0.1.0',
      protocol: 1,
      hostname: 'pc-compta-01',
      platform: 'linux',
      arch: 'x64',
      nextSeq: 1,
      spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 },
    }),
  },
  {
    name: 'spool-report',
    frame: env('spool-report', 0, {
      nextSeq: 140,
      spool: {
        pendingFrames: 20,
        pendingBytes: 40_960,
        droppedFrames: 12,
        unspooledFrames: 3,
        inDoubtFrames: 0,
        ackedSeq: 107,
        drops: [
          { id: 1, reason: 'spool-full', frames: 12, fromSeq: 96, toSeq: 107, at: 1_790_000_000_000 },
          { id: 2, reason: 'disk-full', frames: 3, fromSeq: 130, toSeq: 132, at: 1_790_000_060_000 },
        ],
      },
    }),
  },
  { name: 'inventory', frame: env('inventory', 1, sampleInventory) },
  {
    name: 'metrics',
    frame: env('metrics', 2, {
      samples: [
        {
          ts: 1_790_000_000_000,
          values: { 'cpu.usage_pct': 12.5, 'mem.used_bytes': 4_000_000_000, 'fs.used_pct{mount=/}': 24.1, 'net.rx_bps{iface=eth0}': 1200 },
        },
      ],
    }),
  },
  {
    name: 'checks',
    frame: env('checks', 3, {
      results: [
        {
          check: 'backup',
          target: 'restic:/srv/backup',
          status: 'critical',
          code: 'BACKUP_TOO_OLD',
          message: 'Last backup 49 h ago',
          values: { ageHours: 49 },
          observedAt: 1_790_000_000_000,
        },
      ],
    }),
  },
  {
    name: 'event',
    frame: env('event', 4, {
      kind: 'spool.dropped',
      severity: 'warning',
      message: '12 frames dropped',
      data: { frames: 12, fromSeq: 100, toSeq: 111 },
      occurredAt: 1_790_000_000_000,
    }),
  },
  { name: 'command-result', frame: env('command-result', 5, { commandId: 'c-1', ok: true, output: 'done' }) },
  {
    name: 'hostile strings are data',
    frame: env('inventory', 6, {
      ...sampleInventory,
      os: { ...sampleInventory.os, hostname: '<img src=x onerror=alert(1)>' },
      software: [{ name: `\u0000\u001b[31m${'A'.repeat(100_000)}`, version: '"; DROP TABLE devices; --', source: 'other' }],
    }),
  },
];

/** Raw frames (strings) the collector must refuse, with the code it must answer. */
export const invalidAgentFrames: { name: string; raw: string; code: string }[] = [
  { name: 'not JSON', raw: '{"v":1,"type":"metrics",', code: 'VIGIE_E_MALFORMED_FRAME' },
  { name: 'array instead of object', raw: '[1,2,3]', code: 'VIGIE_E_INVALID_ENVELOPE' },
  { name: 'unknown version', raw: JSON.stringify(env('metrics', 1, { samples: [] })).replace('"v":1', '"v":2'), code: 'VIGIE_E_UNSUPPORTED_VERSION' },
  { name: 'unknown type', raw: JSON.stringify(env('reboot-everything', 1, {})), code: 'VIGIE_E_UNKNOWN_TYPE' },
  { name: 'collector-only type from an agent', raw: JSON.stringify(env('ack', 1, { seq: 1 })), code: 'VIGIE_E_WRONG_DIRECTION' },
  {
    name: 'unknown envelope field',
    raw: JSON.stringify({ ...env('metrics', 1, { samples: [{ ts: 1, values: { 'cpu.usage_pct': 1 } }] }), agentId: 'someone-else' }),
    code: 'VIGIE_E_INVALID_ENVELOPE',
  },
  {
    name: 'unknown body field (posing as another agent)',
    raw: JSON.stringify(env('metrics', 1, { agentId: 'someone-else', samples: [{ ts: 1, values: { 'cpu.usage_pct': 1 } }] })),
    code: 'VIGIE_E_INVALID_BODY',
  },
  {
    name: 'metric value not a number',
    raw: JSON.stringify(env('metrics', 1, { samples: [{ ts: 1, values: { 'cpu.usage_pct': '12' } }] })),
    code: 'VIGIE_E_INVALID_BODY',
  },
  {
    name: 'bad series key',
    raw: JSON.stringify(env('metrics', 1, { samples: [{ ts: 1, values: { 'CPU usage; rm -rf': 1 } }] })),
    code: 'VIGIE_E_INVALID_BODY',
  },
  { name: 'negative seq', raw: JSON.stringify(env('metrics', -1, { samples: [{ ts: 1, values: { 'cpu.usage_pct': 1 } }] })), code: 'VIGIE_E_INVALID_ENVELOPE' },
  {
    name: 'data message without seq',
    raw: JSON.stringify(env('metrics', 0, { samples: [{ ts: 1, values: { 'cpu.usage_pct': 1 } }] })),
    code: 'VIGIE_E_SEQ_INVALID',
  },
  {
    name: 'check status outside the list',
    raw: JSON.stringify(env('checks', 1, { results: [{ check: 'backup', target: 'x', status: 'fine', code: 'OK', message: '', observedAt: 1 }] })),
    code: 'VIGIE_E_INVALID_BODY',
  },
  { name: 'inventory missing os', raw: JSON.stringify(env('inventory', 1, { ...sampleInventory, os: undefined })), code: 'VIGIE_E_INVALID_BODY' },
];

/** Frames a collector sends, valid ones the agent must act on. */
export const validCollectorFrames: { name: string; frame: unknown }[] = [
  { name: 'ack', frame: env('ack', 1, { seq: 42 }) },
  {
    name: 'policy',
    frame: env('policy', 2, { version: 3, metricsIntervalSec: 30, inventoryIntervalSec: 3600, heartbeatSec: 20, probes: { backup: { maxAgeHours: 26 } } }),
  },
  { name: 'command', frame: env('command', 3, { commandId: 'c-7', action: 'refresh-inventory' }) },
  { name: 'error', frame: env('error', 4, { code: 'VIGIE_E_INVALID_BODY', message: 'metrics /samples/0/values must be number', fatal: true, refSeq: 17 }) },
];

/** Raw frames an agent must ignore (and keep running) if a collector ever sent them. */
export const invalidCollectorFrames: { name: string; raw: string; code: string }[] = [
  { name: 'not JSON', raw: '{"v":1,', code: 'VIGIE_E_MALFORMED_FRAME' },
  { name: 'unknown version', raw: JSON.stringify({ ...env('ack', 1, { seq: 1 }), v: 9 }), code: 'VIGIE_E_UNSUPPORTED_VERSION' },
  { name: 'unknown type', raw: JSON.stringify(env('format-disk', 1, {})), code: 'VIGIE_E_UNKNOWN_TYPE' },
  {
    name: 'agent-only type',
    raw: JSON.stringify(env('metrics', 1, { samples: [{ ts: 1, values: { 'cpu.usage_pct': 1 } }] })),
    code: 'VIGIE_E_WRONG_DIRECTION',
  },
  { name: 'ack with a negative seq', raw: JSON.stringify(env('ack', 1, { seq: -5 })), code: 'VIGIE_E_INVALID_BODY' },
  {
    name: 'policy interval out of range',
    raw: JSON.stringify(env('policy', 1, { version: 1, metricsIntervalSec: 0, inventoryIntervalSec: 3600, heartbeatSec: 30, probes: {} })),
    code: 'VIGIE_E_INVALID_BODY',
  },
  { name: 'command with an unknown action', raw: JSON.stringify(env('command', 1, { commandId: 'x', action: 'rm -rf /' })), code: 'VIGIE_E_INVALID_BODY' },
];
