import { UPS, UPS_BATTERY_STATUS, UPS_OUTPUT_SOURCE, UPS_TEST_RESULT } from './oids.js';
import type { SnmpClient, SnmpValue } from './session.js';
import { deviceInt, deviceText } from './text.js';

export interface UpsStatus {
  manufacturer: string;
  model: string;
  /** upsOutputSource: `battery` means the mains are gone; `normal` is on mains. */
  outputSource: (typeof UPS_OUTPUT_SOURCE)[number] | 'unknown';
  onBattery: boolean;
  batteryStatus: (typeof UPS_BATTERY_STATUS)[number];
  chargePct: number | null;
  minutesRemaining: number | null;
  secondsOnBattery: number | null;
  selfTest: {
    result: (typeof UPS_TEST_RESULT)[number] | 'unknown';
    /** When the last test started (UTC ms), from upsTestStartTime; null if never or unknown. */
    startedAt: number | null;
  };
}

const nonNegative = (v: SnmpValue | undefined): number | null => {
  const n = deviceInt(v);
  return n !== undefined && n >= 0 ? n : null;
};

/**
 * Decodes the UPS-MIB scalars (pure). `observedAt` and `sysUpTimeCs` date the self-test, which the
 * MIB gives as the sysUpTime at which it started.
 */
export function decodeUps(values: Map<string, SnmpValue>, observedAt: number, sysUpTimeCs: number): UpsStatus {
  const outputSource = UPS_OUTPUT_SOURCE[deviceInt(values.get(UPS.outputSource)) ?? 0] ?? 'unknown';
  const charge = nonNegative(values.get(UPS.estimatedChargeRemaining));
  const startCs = nonNegative(values.get(UPS.testStartTime));
  return {
    manufacturer: deviceText(values.get(UPS.identManufacturer), 64),
    model: deviceText(values.get(UPS.identModel), 64),
    outputSource,
    onBattery: outputSource === 'battery',
    batteryStatus: UPS_BATTERY_STATUS[deviceInt(values.get(UPS.batteryStatus)) ?? 1] ?? 'unknown',
    chargePct: charge === null ? null : Math.min(100, charge),
    minutesRemaining: nonNegative(values.get(UPS.estimatedMinutesRemaining)),
    secondsOnBattery: nonNegative(values.get(UPS.secondsOnBattery)),
    selfTest: {
      result: UPS_TEST_RESULT[deviceInt(values.get(UPS.testResultsSummary)) ?? 0] ?? 'unknown',
      startedAt: startCs !== null && startCs > 0 && startCs <= sysUpTimeCs ? observedAt - (sysUpTimeCs - startCs) * 10 : null,
    },
  };
}

/** Reads the UPS-MIB; undefined when the device does not implement it (not a UPS). */
export async function readUps(client: SnmpClient, observedAt: number, sysUpTimeCs: number): Promise<UpsStatus | undefined> {
  const values = await client.get(Object.values(UPS));
  const answered = [UPS.outputSource, UPS.batteryStatus, UPS.estimatedChargeRemaining].some((oid) => values.has(oid));
  return answered ? decodeUps(values, observedAt, sysUpTimeCs) : undefined;
}
