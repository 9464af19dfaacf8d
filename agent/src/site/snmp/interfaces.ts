import type { CounterReading, InterfaceCounters, InterfaceRates, NoRateReason } from './counters.js';
import { IF_ADMIN_STATUS, IF_COLUMNS, IF_ENTRY, IF_OPER_STATUS, IFX_COLUMNS, IFX_ENTRY } from './oids.js';
import type { SnmpClient, SnmpValue } from './session.js';
import { deviceInt, deviceText } from './text.js';

export type AdminStatus = (typeof IF_ADMIN_STATUS)[number] | 'unknown';
export type OperStatus = (typeof IF_OPER_STATUS)[number];

export interface SnmpInterface {
  index: number;
  /** ifName, else ifDescr. */
  name: string;
  descr: string;
  alias: string;
  /** IANAifType number (6 ethernet, 24 software loopback, 53 virtual, …). */
  type: number | null;
  /** ifHighSpeed × 10^6 when the device has it, else ifSpeed; bit/s. */
  speedBps: number | null;
  adminStatus: AdminStatus;
  operStatus: OperStatus;
  /** Width of the octet counters the rates come from: 64 (ifHC*), 32 (ifIn/OutOctets) or none. */
  counterBits: 64 | 32 | null;
  /** Bit/s and new errors/discards since the previous poll (null on the first poll, or after a reset). */
  inBps: number | null;
  outBps: number | null;
  inErrors: number | null;
  outErrors: number | null;
  inDiscards: number | null;
  outDiscards: number | null;
  noRate?: NoRateReason;
}

/** An interface as read, before rates: its description and its raw counters. */
export interface InterfaceReading {
  info: Omit<SnmpInterface, keyof InterfaceRates | 'counterBits'> & { counterBits: 64 | 32 | null };
  counters: InterfaceCounters;
}

const c32 = (v: SnmpValue | undefined): CounterReading | undefined => {
  const n = deviceInt(v);
  return n === undefined || n < 0 ? undefined : { value: BigInt(n), bits: 32 };
};
const c64 = (v: SnmpValue | undefined): CounterReading | undefined => (typeof v === 'bigint' ? { value: v, bits: 64 } : undefined);

/** Builds the interface list from the ifTable and ifXTable rows (a pure join, tested alone). */
export function joinInterfaceTables(ifRows: Map<string, Map<number, SnmpValue>>, ifxRows: Map<string, Map<number, SnmpValue>>): InterfaceReading[] {
  const out: InterfaceReading[] = [];
  for (const [key, row] of ifRows) {
    const index = Number(key);
    if (!Number.isInteger(index)) continue;
    const x = ifxRows.get(key) ?? new Map<number, SnmpValue>();
    const descr = deviceText(row.get(IF_COLUMNS.descr));
    const name = deviceText(x.get(IFX_COLUMNS.name)) || descr || `ifIndex ${index}`;
    const highSpeed = deviceInt(x.get(IFX_COLUMNS.highSpeed));
    const speed = deviceInt(row.get(IF_COLUMNS.speed));
    const hcIn = c64(x.get(IFX_COLUMNS.hcInOctets));
    const hcOut = c64(x.get(IFX_COLUMNS.hcOutOctets));
    const hc = hcIn !== undefined || hcOut !== undefined;
    const inOctets = hc ? hcIn : c32(row.get(IF_COLUMNS.inOctets));
    const outOctets = hc ? hcOut : c32(row.get(IF_COLUMNS.outOctets));
    out.push({
      info: {
        index,
        name,
        descr,
        alias: deviceText(x.get(IFX_COLUMNS.alias)),
        type: deviceInt(row.get(IF_COLUMNS.type)) ?? null,
        speedBps: highSpeed !== undefined && (highSpeed > 0 || !speed) ? highSpeed * 1e6 : (speed ?? null),
        adminStatus: IF_ADMIN_STATUS[deviceInt(row.get(IF_COLUMNS.adminStatus)) ?? 0] ?? 'unknown',
        operStatus: IF_OPER_STATUS[deviceInt(row.get(IF_COLUMNS.operStatus)) ?? 0] ?? 'unknown',
        counterBits: inOctets || outOctets ? (hc ? 64 : 32) : null,
      },
      counters: {
        identity: name,
        inOctets,
        outOctets,
        inErrors: c32(row.get(IF_COLUMNS.inErrors)),
        outErrors: c32(row.get(IF_COLUMNS.outErrors)),
        inDiscards: c32(row.get(IF_COLUMNS.inDiscards)),
        outDiscards: c32(row.get(IF_COLUMNS.outDiscards)),
        discontinuityCs: deviceInt(x.get(IFX_COLUMNS.counterDiscontinuityTime)),
      },
    });
  }
  return out.sort((a, b) => a.info.index - b.info.index);
}

/** Reads IF-MIB: ifTable, then ifXTable (absent on SNMPv1-only and some old devices). */
export async function readInterfaces(client: SnmpClient, maxInterfaces: number): Promise<InterfaceReading[]> {
  const ifRows = await client.walkColumns(IF_ENTRY, Object.values(IF_COLUMNS), maxInterfaces);
  if (ifRows.size === 0) return [];
  const ifxRows = await client.walkColumns(IFX_ENTRY, Object.values(IFX_COLUMNS), maxInterfaces);
  return joinInterfaceTables(ifRows, ifxRows);
}
