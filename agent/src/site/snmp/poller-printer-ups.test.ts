import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CheckResult, describeCheck, isSeriesKey } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toChecksAndMetrics } from './checks.js';
import { SnmpPoller } from './poller.js';
import { type MibValues, SNMPD_COMMUNITY, SNMPD_SYSTEM, type Snmpd, startSnmpd } from './snmpd-fixture.js';

// A Linux host has no Printer-MIB, UPS-MIB or ENTITY-MIB: snmpd serves them here through
// pass_persist (testdata/pass-persist-mib.mjs) from files this test rewrites, so one snmpd plays a
// printer, then a UPS on battery, then on mains; and it overrides IF-MIB ifName with hostile bytes.

const PRINTER = '1.3.6.1.2.1.43';
const UPS = '1.3.6.1.2.1.33';
const ENTITY = '1.3.6.1.2.1.47';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1';

const supply = (i: string, cls: number, type: number, descr: [string, string], max: number, level: number): MibValues => ({
  [`${PRINTER}.11.1.1.4.${i}`]: ['integer', cls],
  [`${PRINTER}.11.1.1.5.${i}`]: ['integer', type],
  [`${PRINTER}.11.1.1.6.${i}`]: descr,
  [`${PRINTER}.11.1.1.7.${i}`]: ['integer', 13], // tenthsOfGrams
  [`${PRINTER}.11.1.1.8.${i}`]: ['integer', max],
  [`${PRINTER}.11.1.1.9.${i}`]: ['integer', level],
});
const printer: MibValues = {
  ...supply('1.1', 3, 3, ['string', 'Black Toner'], 10_000, 1_500), // 15 %: warning
  ...supply('1.2', 3, 21, ['string', 'Cyan Toner'], 100, -3), // "some remaining"
  ...supply('1.3', 3, 3, ['string', 'Magenta Toner'], -2, -2), // unknown
  ...supply('1.4', 3, 3, ['octet', '4A 61 75 6E 65 20 E9 74 E9'], 7_000, 350), // "Jaune été" in Latin-1, 5 %: critical
  ...supply('1.5', 4, 4, ['string', 'Waste Toner Box'], 100, 95), // a receptacle filling up: no alert
  ...supply('1.6', 3, 9, ['string', 'Imaging Drum'], 30_000, 27_000), // not toner: reported, no alert
  ...supply('1.7', 3, 15, ['string', 'Fuser Kit'], 150_000, -3), // "some remaining": reported, no alert
  ...supply('1.8', 4, 8, ['string', 'Waste Ink Pad'], -2, -2), // unknown: reported, no alert
  [`${PRINTER}.10.2.1.4.1.1`]: ['counter', 48_213],
};
const ups = (source: number, charge: number, test: number, battery = 2): MibValues => ({
  [`${UPS}.1.1.1.0`]: ['string', 'APC'],
  [`${UPS}.1.1.2.0`]: ['string', 'Smart-UPS 1500'],
  [`${UPS}.1.2.1.0`]: ['integer', battery],
  [`${UPS}.1.2.2.0`]: ['integer', source === 5 ? 95 : 0],
  [`${UPS}.1.2.3.0`]: ['integer', 42],
  [`${UPS}.1.2.4.0`]: ['integer', charge],
  [`${UPS}.1.4.1.0`]: ['integer', source],
  [`${UPS}.1.7.3.0`]: ['integer', test],
  [`${UPS}.1.7.5.0`]: ['timeticks', 1],
});
const entity: MibValues = {
  [`${ENTITY}.1.1.1.1.2.1`]: ['string', 'Catalyst 2960-X chassis'],
  [`${ENTITY}.1.1.1.1.2.2`]: ['string', 'GigabitEthernet0/1'],
  [`${ENTITY}.1.1.1.1.2.3`]: ['string', 'Power Supply 1'],
  [`${ENTITY}.1.1.1.1.5.1`]: ['integer', 3],
  [`${ENTITY}.1.1.1.1.5.2`]: ['integer', 10],
  [`${ENTITY}.1.1.1.1.5.3`]: ['integer', 6],
  [`${ENTITY}.1.1.1.1.11.1`]: ['string', 'FOC1234X0AB'],
  [`${ENTITY}.1.1.1.1.11.2`]: ['string', ''],
  [`${ENTITY}.1.1.1.1.11.3`]: ['string', 'PSU-77 '],
  [`${ENTITY}.1.1.1.1.13.1`]: ['string', 'WS-C2960X-48TS-L'],
};

const validCheck = TypeCompiler.Compile(CheckResult);
let snmpd: Snmpd;
let poller: SnmpPoller;
beforeAll(async () => {
  snmpd = await startSnmpd({ [PRINTER]: printer, [UPS]: {}, [ENTITY]: entity, [IF_NAME]: {} });
  poller = new SnmpPoller({ address: '127.0.0.1', port: snmpd.port, version: '2c', community: SNMPD_COMMUNITY, ping: false });
});
afterAll(async () => {
  await snmpd?.stop();
});

describe('a printer (Printer-MIB through pass_persist)', () => {
  it('reads each supply with the MIB special values, the page counter, and says it is a printer', async () => {
    const r = await poller.poll(Date.now());
    expect(r.kind).toBe('printer');
    expect(r.ups).toBeNull();
    expect(r.printer?.pageCount).toBe(48_213);
    expect(r.printer?.supplies).toEqual([
      { index: '1.1', description: 'Black Toner', type: 'toner', class: 'consumed', levelState: 'measured', level: 1500, maxCapacity: 10_000, percent: 15 },
      {
        index: '1.2',
        description: 'Cyan Toner',
        type: 'tonerCartridge',
        class: 'consumed',
        levelState: 'some-remaining',
        level: null,
        maxCapacity: 100,
        percent: null,
      },
      { index: '1.3', description: 'Magenta Toner', type: 'toner', class: 'consumed', levelState: 'unknown', level: null, maxCapacity: null, percent: null },
      { index: '1.4', description: 'Jaune été', type: 'toner', class: 'consumed', levelState: 'measured', level: 350, maxCapacity: 7000, percent: 5 },
      { index: '1.5', description: 'Waste Toner Box', type: 'wasteToner', class: 'filled', levelState: 'measured', level: 95, maxCapacity: 100, percent: 95 },
      { index: '1.6', description: 'Imaging Drum', type: 'opc', class: 'consumed', levelState: 'measured', level: 27_000, maxCapacity: 30_000, percent: 90 },
      {
        index: '1.7',
        description: 'Fuser Kit',
        type: 'fuser',
        class: 'consumed',
        levelState: 'some-remaining',
        level: null,
        maxCapacity: 150_000,
        percent: null,
      },
      { index: '1.8', description: 'Waste Ink Pad', type: 'wasteInk', class: 'filled', levelState: 'unknown', level: null, maxCapacity: null, percent: null },
    ]);

    const { checks, metrics } = toChecksAndMetrics(r);
    const supplies = Object.fromEntries(checks.filter((c) => c.check === 'snmp-supply').map((c) => [c.target.split(' supply ')[1], [c.status, c.code]]));
    expect(supplies).toEqual({
      'Black Toner': ['warning', 'SUPPLY_LOW'],
      'Cyan Toner': ['ok', 'SUPPLY_SOME_REMAINING'],
      'Magenta Toner': ['unknown', 'SUPPLY_LEVEL_UNKNOWN'],
      'Jaune été': ['critical', 'SUPPLY_CRITICAL'],
      // Drum, fuser and waste receptacles: every one reported, whatever the printer says of it, none alerting.
      'Waste Toner Box': ['ok', 'SUPPLY_FILL_LEVEL'],
      'Imaging Drum': ['ok', 'SUPPLY_OK'],
      'Fuser Kit': ['ok', 'SUPPLY_SOME_REMAINING'],
      'Waste Ink Pad': ['ok', 'SUPPLY_LEVEL_UNKNOWN'],
    });
    expect(describeCheck(checks.find((c) => c.target.endsWith('supply Waste Toner Box'))!, 'fr')).toBe('Waste Toner Box\u00a0: rempli à 95\u00a0%');
    expect(describeCheck(checks.find((c) => c.target.endsWith('supply Fuser Kit'))!, 'en')).toBe(
      'Fuser Kit: some remaining (the printer does not give the level)',
    );
    expect(metrics).toMatchObject({ 'printer_supply_pct{supply=Black Toner}': 15, 'printer_supply_pct{supply=Jaune été}': 5, printer_page_count: 48_213 });
    // "Some remaining" and "unknown" never become a number.
    expect(Object.keys(metrics).filter((k) => /Cyan|Magenta|Fuser|Waste Ink/.test(k))).toEqual([]);
  });

  it('reads ENTITY-MIB serial numbers, leaving out the entries without one', async () => {
    const r = await poller.poll(Date.now());
    expect(r.identity?.serials).toEqual([
      { index: 1, serial: 'FOC1234X0AB', descr: 'Catalyst 2960-X chassis', class: 'chassis', model: 'WS-C2960X-48TS-L' },
      { index: 3, serial: 'PSU-77', descr: 'Power Supply 1', class: 'powerSupply', model: '' },
    ]);
  });
});

describe('a UPS (UPS-MIB through pass_persist)', () => {
  it('on battery, after a failed self-test: critical, every finding named', async () => {
    snmpd.serve(PRINTER, {});
    snmpd.serve(UPS, ups(5, 87, 3));
    const now = Date.now();
    const r = await poller.poll(now);
    expect(r.kind).toBe('ups');
    expect(r.printer).toBeNull();
    expect(r.ups).toMatchObject({
      manufacturer: 'APC',
      model: 'Smart-UPS 1500',
      outputSource: 'battery',
      onBattery: true,
      batteryStatus: 'normal',
      chargePct: 87,
      minutesRemaining: 42,
      secondsOnBattery: 95,
      selfTest: { result: 'error' },
    });
    // The self-test started at sysUpTime 1 (hundredths): just after snmpd started.
    const startedAt = r.ups?.selfTest.startedAt ?? 0;
    expect(startedAt).toBeLessThanOrEqual(now);
    expect(startedAt).toBeGreaterThanOrEqual(now - ((r.identity?.sysUpTime ?? 0) + 1) * 1000);

    const { checks, metrics } = toChecksAndMetrics(r);
    expect(checks.find((c) => c.check === 'snmp-ups')).toMatchObject({
      status: 'critical',
      code: 'UPS_ON_BATTERY',
      message: 'APC Smart-UPS 1500 : sur batterie (87 %, 42 min d’autonomie), dernier autotest en échec',
    });
    expect(metrics).toMatchObject({ ups_on_battery: 1, ups_charge_pct: 87, ups_runtime_min: 42, ups_seconds_on_battery: 95 });
  });

  it('back on mains with a low charge: warning; charged and tested: ok', async () => {
    snmpd.serve(UPS, ups(3, 35, 1));
    let r = await poller.poll(Date.now());
    expect(r.ups).toMatchObject({ outputSource: 'normal', onBattery: false, chargePct: 35, selfTest: { result: 'passed' } });
    expect(toChecksAndMetrics(r).checks.find((c) => c.check === 'snmp-ups')).toMatchObject({ status: 'warning', code: 'UPS_BATTERY_LOW' });

    snmpd.serve(UPS, ups(3, 100, 1));
    r = await poller.poll(Date.now());
    expect(toChecksAndMetrics(r).checks.find((c) => c.check === 'snmp-ups')).toMatchObject({ status: 'ok', code: 'UPS_OK' });
  });
});

describe('a printer with a UPS inside (Printer-MIB and UPS-MIB both answer)', () => {
  it('is a printer whose UPS is read too: on battery, it is critical like any UPS', async () => {
    snmpd.serve(PRINTER, printer);
    snmpd.serve(UPS, ups(5, 64, 1));
    const r = await poller.poll(Date.now());
    expect(r.kind).toBe('printer');
    expect(r.printer?.supplies).toHaveLength(8);
    expect(r.ups).toMatchObject({ manufacturer: 'APC', onBattery: true, chargePct: 64, minutesRemaining: 42 });
    const { checks, metrics } = toChecksAndMetrics(r);
    expect(checks.find((c) => c.check === 'snmp-ups')).toMatchObject({ status: 'critical', code: 'UPS_ON_BATTERY' });
    expect(checks.filter((c) => c.check === 'snmp-supply')).toHaveLength(8);
    expect(metrics).toMatchObject({ ups_on_battery: 1, ups_charge_pct: 64, printer_page_count: 48_213 });
    for (const c of checks) expect(validCheck.Check(c), [...validCheck.Errors(c)].map((e) => e.path).join()).toBe(true);
  });

  it('reads sysLocation and sysContact, as the device’s administrator set them', async () => {
    const r = await poller.poll(Date.now());
    expect(r.identity).toMatchObject({ sysLocation: SNMPD_SYSTEM.location, sysContact: SNMPD_SYSTEM.contact });
  });
});

describe('hostile interface names from the device', () => {
  it('ifName with separators, line breaks, NUL, invalid UTF-8 and 300 characters: valid keys and checks, one series each', async () => {
    snmpd.serve(PRINTER, {});
    snmpd.serve(UPS, {});
    const indexes = (await poller.poll(Date.now())).interfaces.map((i) => i.index);
    const hostile: [string, string][] = [
      ['octet', '47 69 7B 30 2C 31 7D 3D 0A 0D 00 E9 FF 66 61 6B 65 7B 78 3D 31 7D'], // Gi{0,1}=\n\r\0 + bad UTF-8 + fake{x=1}
      ['string', 'x'.repeat(300)],
      ['string', 'same'],
      ['string', 'same'],
    ];
    snmpd.serve(IF_NAME, Object.fromEntries(indexes.map((index, n) => [`${IF_NAME}.${index}`, hostile[n % hostile.length]!])));

    await poller.poll(Date.now()); // names changed under the same ifIndex: no rates this time
    const r = await poller.poll(Date.now());
    expect(r.interfaces[0]?.name).toBe('Gi{0,1}= éÿfake{x=1}');
    const { checks, metrics } = toChecksAndMetrics(r);
    for (const c of checks) expect(validCheck.Check(c), [...validCheck.Errors(c)].map((e) => e.path).join()).toBe(true);
    for (const key of Object.keys(metrics)) expect(isSeriesKey(key), key).toBe(true);
    expect(metrics['net_if_oper_up{if=Gi_0_1__ éÿfake_x_1_}']).toBe(1);
    // One discard series per interface: no key refused, no two interfaces on one series.
    expect(Object.keys(metrics).filter((k) => k.startsWith('net_if_in_discards{'))).toHaveLength(indexes.length);
  });
});
