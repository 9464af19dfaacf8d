import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CheckResult, isSeriesKey, parseSeriesKey } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { toChecksAndMetrics } from './checks.js';
import type { SnmpInterface } from './interfaces.js';
import { labelValue } from './labels.js';
import type { SnmpPollResult } from './poller.js';
import type { PrinterSupply } from './printer.js';
import type { UpsStatus } from './ups.js';

const validCheck = TypeCompiler.Compile(CheckResult);
const AT = 1_800_000_000_000;

const result = (over: Partial<SnmpPollResult> = {}): SnmpPollResult => ({
  target: '192.168.10.2:161',
  address: '192.168.10.2',
  observedAt: AT,
  reachable: true,
  error: null,
  ping: { alive: true, lossPct: 0, rttAvgMs: 0.8 },
  identity: {
    sysName: 'sw-accueil',
    sysDescr: 'Cisco IOS',
    sysObjectID: '1.3.6.1.4.1.9.1.1208',
    sysLocation: '',
    sysContact: '',
    sysUpTime: 86_400,
    serials: [],
  },
  kind: 'network',
  interfaces: [],
  printer: null,
  ups: null,
  warnings: [],
  ...over,
});
const nic = (over: Partial<SnmpInterface>): SnmpInterface => ({
  index: 1,
  name: 'Gi0/1',
  descr: 'GigabitEthernet0/1',
  alias: '',
  type: 6,
  speedBps: 1e9,
  adminStatus: 'up',
  operStatus: 'up',
  counterBits: 64,
  inBps: 1000,
  outBps: 2000,
  inErrors: 0,
  outErrors: 0,
  inDiscards: 0,
  outDiscards: 0,
  ...over,
});
const supply = (over: Partial<PrinterSupply>): PrinterSupply => ({
  index: '1.1',
  description: 'Black Toner',
  type: 'toner',
  class: 'consumed',
  levelState: 'measured',
  level: 5000,
  maxCapacity: 10000,
  percent: 50,
  ...over,
});
const ups = (over: Partial<UpsStatus>): UpsStatus => ({
  manufacturer: 'APC',
  model: 'Smart-UPS 1500',
  outputSource: 'normal',
  onBattery: false,
  batteryStatus: 'normal',
  chargePct: 100,
  minutesRemaining: 42,
  secondsOnBattery: 0,
  selfTest: { result: 'passed', startedAt: AT - 86_400_000 },
  ...over,
});

/** Every output must pass the protocol's own validators. */
function expectValid(out: ReturnType<typeof toChecksAndMetrics>) {
  for (const c of out.checks) expect(validCheck.Check(c), [...validCheck.Errors(c)].map((e) => `${e.path}: ${e.message}`).join('; ')).toBe(true);
  for (const key of Object.keys(out.metrics)) expect(isSeriesKey(key), key).toBe(true);
}
const find = (out: ReturnType<typeof toChecksAndMetrics>, check: string) => out.checks.filter((c) => c.check === check);

describe('snmp-reachable', () => {
  it('is ok when the device answers SNMP, with up and ping metrics', () => {
    const out = toChecksAndMetrics(result());
    expectValid(out);
    expect(find(out, 'snmp-reachable')).toMatchObject([{ status: 'ok', code: 'SNMP_OK', target: '192.168.10.2:161' }]);
    expect(out.metrics).toMatchObject({ snmp_up: 1, ping_up: 1, ping_rtt_ms: 0.8, snmp_uptime_s: 86_400 });
  });

  it.each([
    ['timeout', 'SNMP_TIMEOUT'],
    ['auth', 'SNMP_AUTH_FAILED'],
    ['protocol', 'SNMP_ERROR'],
    ['network', 'SNMP_ERROR'],
  ] as const)('is critical when SNMP does not answer (%s → %s), and says whether ping does', (kind, code) => {
    const out = toChecksAndMetrics(result({ reachable: false, error: { kind, message: 'no SNMP answer' }, identity: null, kind: null }));
    expectValid(out);
    expect(out.checks).toHaveLength(1);
    expect(out.checks[0]).toMatchObject({ check: 'snmp-reachable', status: 'critical', code });
    expect(out.checks[0]?.message).toContain('il répond au ping');
    expect(out.metrics).toEqual({ snmp_up: 0, ping_up: 1, ping_rtt_ms: 0.8 });
  });

  it('has no ping metrics when ping is off', () => {
    const out = toChecksAndMetrics(result({ ping: null }));
    expect(Object.keys(out.metrics).some((k) => k.startsWith('ping_'))).toBe(false);
  });
});

describe('snmp-interface', () => {
  it('reports admin-up interfaces only: up is ok, oper-down is a warning, critical for the listed ones', () => {
    const out = toChecksAndMetrics(
      result({
        interfaces: [
          nic({ index: 1, name: 'Gi0/1' }),
          nic({ index: 2, name: 'Gi0/2', operStatus: 'down' }),
          nic({ index: 3, name: 'Gi0/3', operStatus: 'lowerLayerDown', alias: 'Uplink FAI' }),
          nic({ index: 4, name: 'Gi0/4', adminStatus: 'down', operStatus: 'down' }),
          nic({ index: 5, name: 'Gi0/5', operStatus: 'dormant' }),
        ],
      }),
      { criticalInterfaces: ['Uplink FAI'] },
    );
    expectValid(out);
    const byTarget = Object.fromEntries(find(out, 'snmp-interface').map((c) => [c.target, [c.status, c.code]]));
    expect(byTarget).toEqual({
      '192.168.10.2:161 if Gi0/1': ['ok', 'IF_UP'],
      '192.168.10.2:161 if Gi0/2': ['warning', 'IF_DOWN'],
      '192.168.10.2:161 if Gi0/3': ['critical', 'IF_DOWN'],
      '192.168.10.2:161 if Gi0/5': ['ok', 'IF_DORMANT'],
    });
    expect(out.metrics['net_if_in_bps{if=Gi0/1}']).toBe(1000);
    expect(out.metrics['net_if_out_bps{if=Gi0/1}']).toBe(2000);
    expect(out.metrics['net_if_oper_up{if=Gi0/2}']).toBe(0);
    expect(out.metrics['net_if_oper_up{if=Gi0/4}']).toBeUndefined();
  });

  it('leaves out rates that do not exist (first poll, reset) rather than writing 0', () => {
    const out = toChecksAndMetrics(result({ interfaces: [nic({ inBps: null, outBps: null, noRate: 'first-poll' })] }));
    expect(out.metrics['net_if_in_bps{if=Gi0/1}']).toBeUndefined();
  });

  it('turns hostile interface names into valid, distinct labels', () => {
    const hostile = [
      'Gi{0/1},evil=1}',
      'eth0\nfake_metric{x=1} 999',
      'x'.repeat(5000),
      '\u0000\u0007\u001b[31mred',
      '😀'.repeat(200),
      'a\ud800b',
      '',
      '   ',
      'eth0',
      'eth0',
      '=,{}',
      '\u2028line\u2029sep',
    ];
    const out = toChecksAndMetrics(result({ interfaces: hostile.map((name, i) => nic({ index: i + 1, name, inBps: i + 1 })) }));
    expectValid(out);
    const keys = Object.keys(out.metrics).filter((k) => k.startsWith('net_if_in_bps'));
    // One series per interface: none lost to a refused key or a collision.
    expect(keys).toHaveLength(hostile.length);
    expect(new Set(keys.map((k) => out.metrics[k])).size).toBe(hostile.length);
    for (const k of keys) {
      const label = parseSeriesKey(k).labels.if ?? '';
      expect(label.length).toBeGreaterThan(0);
      expect(label.length).toBeLessThanOrEqual(64);
      expect(label).not.toMatch(/[\n\r\u0000,{}=\u2028\u2029]/);
    }
    expect(keys).toContain('net_if_in_bps{if=Gi_0/1__evil_1_}');
    expect(keys).toContain('net_if_in_bps{if=eth0}');
    expect(keys).toContain('net_if_in_bps{if=eth0 #10}');
    // Check targets are distinct too, so one state per interface.
    const targets = find(out, 'snmp-interface').map((c) => c.target);
    expect(new Set(targets).size).toBe(hostile.length);
  });

  it('labelValue keeps surrogate pairs whole when cutting', () => {
    const cut = labelValue('😀'.repeat(40), 9);
    expect(cut).toBe('😀'.repeat(4));
  });
});

describe('snmp-supply', () => {
  it.each([
    ['50 % toner is ok', supply({ percent: 50 }), 'ok', 'SUPPLY_OK'],
    ['exactly 20 % is still ok', supply({ percent: 20 }), 'ok', 'SUPPLY_OK'],
    ['below 20 % is a warning', supply({ percent: 19.9 }), 'warning', 'SUPPLY_LOW'],
    ['below 10 % is critical', supply({ percent: 5 }), 'critical', 'SUPPLY_CRITICAL'],
    ['0 % is empty (critical)', supply({ percent: 0, level: 0 }), 'critical', 'SUPPLY_EMPTY'],
    ['-3 "some remaining" is reported as such, no number', supply({ levelState: 'some-remaining', level: null, percent: null }), 'ok', 'SUPPLY_SOME_REMAINING'],
    ['-2 unknown level is unknown', supply({ levelState: 'unknown', level: null, percent: null }), 'unknown', 'SUPPLY_LEVEL_UNKNOWN'],
    ['ink cartridges are checked like toner', supply({ type: 'inkCartridge', description: 'Cyan ink', percent: 8 }), 'critical', 'SUPPLY_CRITICAL'],
  ] as const)('%s', (_case, s, status, code) => {
    const out = toChecksAndMetrics(result({ kind: 'printer', printer: { supplies: [s], pageCount: 1234 } }));
    expectValid(out);
    expect(find(out, 'snmp-supply')).toMatchObject([{ status, code, target: `192.168.10.2:161 supply ${s.description}` }]);
    expect(out.metrics.printer_page_count).toBe(1234);
  });

  it('gives a percent metric only for measured supplies, and reports drums and waste receptacles without alerting', () => {
    const out = toChecksAndMetrics(
      result({
        kind: 'printer',
        printer: {
          pageCount: null,
          supplies: [
            supply({ index: '1.1', description: 'Black Toner', percent: 15 }),
            supply({ index: '1.2', description: 'Cyan Toner', levelState: 'some-remaining', level: null, percent: null }),
            supply({ index: '1.3', description: 'Imaging Drum', type: 'opc', percent: 3 }),
            supply({ index: '1.4', description: 'Waste Toner Box', type: 'wasteToner', class: 'filled', percent: 95 }),
          ],
        },
      }),
    );
    expectValid(out);
    expect(out.metrics).toMatchObject({ 'printer_supply_pct{supply=Black Toner}': 15, 'printer_supply_pct{supply=Imaging Drum}': 3 });
    expect(out.metrics['printer_supply_pct{supply=Cyan Toner}']).toBeUndefined();
    expect(out.metrics.printer_page_count).toBeUndefined();
    expect(find(out, 'snmp-supply').map((c) => [c.target, c.status, c.code])).toEqual([
      ['192.168.10.2:161 supply Black Toner', 'warning', 'SUPPLY_LOW'],
      ['192.168.10.2:161 supply Cyan Toner', 'ok', 'SUPPLY_SOME_REMAINING'],
      // 3 % of a drum is not an alert: the printer asks for its parts itself.
      ['192.168.10.2:161 supply Imaging Drum', 'ok', 'SUPPLY_OK'],
      ['192.168.10.2:161 supply Waste Toner Box', 'ok', 'SUPPLY_FILL_LEVEL'],
    ]);
  });
});

describe('snmp-ups', () => {
  it.each([
    ['on mains, charged, self-test passed', ups({}), 'ok', 'UPS_OK'],
    ['on battery is critical', ups({ outputSource: 'battery', onBattery: true, chargePct: 80, secondsOnBattery: 120 }), 'critical', 'UPS_ON_BATTERY'],
    ['depleted battery is critical', ups({ batteryStatus: 'depleted', chargePct: 0 }), 'critical', 'UPS_BATTERY_DEPLETED'],
    ['battery low (status) is a warning', ups({ batteryStatus: 'low' }), 'warning', 'UPS_BATTERY_LOW'],
    ['charge under 50 % is a warning', ups({ chargePct: 35 }), 'warning', 'UPS_BATTERY_LOW'],
    ['failed self-test is a warning', ups({ selfTest: { result: 'error', startedAt: AT - 3_600_000 } }), 'warning', 'UPS_SELF_TEST_FAILED'],
    [
      'on battery and failed self-test: on battery wins',
      ups({ outputSource: 'battery', onBattery: true, selfTest: { result: 'error', startedAt: null } }),
      'critical',
      'UPS_ON_BATTERY',
    ],
  ] as const)('%s', (_case, u, status, code) => {
    const out = toChecksAndMetrics(result({ kind: 'ups', ups: u }));
    expectValid(out);
    expect(find(out, 'snmp-ups')).toMatchObject([{ status, code, target: '192.168.10.2:161 ups' }]);
  });

  it('names every finding in the message and gives the UPS metrics', () => {
    const out = toChecksAndMetrics(
      result({
        kind: 'ups',
        ups: ups({ outputSource: 'battery', onBattery: true, chargePct: 30, secondsOnBattery: 300, selfTest: { result: 'error', startedAt: null } }),
      }),
    );
    expect(find(out, 'snmp-ups')[0]?.message).toBe(
      'APC Smart-UPS 1500 : sur batterie (30 %, 42 min d’autonomie), charge de la batterie 30 %, dernier autotest en échec',
    );
    expect(out.metrics).toMatchObject({ ups_on_battery: 1, ups_charge_pct: 30, ups_runtime_min: 42, ups_seconds_on_battery: 300 });
  });
});
