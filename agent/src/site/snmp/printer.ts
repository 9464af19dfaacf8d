import {
  PRT_LEVEL_SOME_REMAINING,
  PRT_MARKER_COLUMNS,
  PRT_MARKER_ENTRY,
  PRT_SUPPLIES_ENTRY,
  PRT_SUPPLY_CLASS,
  PRT_SUPPLY_COLUMNS,
  PRT_SUPPLY_TYPE,
} from './oids.js';
import type { SnmpClient, SnmpTable } from './session.js';
import { deviceInt, deviceText } from './text.js';

export interface PrinterSupply {
  /** Row index: hrDeviceIndex.prtMarkerSuppliesIndex. */
  index: string;
  description: string;
  /** PrtMarkerSuppliesTypeTC name: toner, ink, opc, wasteToner… */
  type: string;
  /** `consumed` (toner, ink) or `filled` (a waste receptacle, whose level is how full it is). */
  class: 'consumed' | 'filled' | 'other';
  /**
   * `measured`: level and percent are known; `some-remaining`: the printer only says that some is
   * left (prtMarkerSuppliesLevel -3), no figure; `unknown`: it does not say (-1, -2, no capacity).
   */
  levelState: 'measured' | 'some-remaining' | 'unknown';
  level: number | null;
  maxCapacity: number | null;
  /** level / maxCapacity, 0–100, only when both are known. */
  percent: number | null;
}

export interface PrinterStatus {
  supplies: PrinterSupply[];
  /** prtMarkerLifeCount summed over the markers (usually one): pages or impressions printed. */
  pageCount: number | null;
}

/** Level and capacity as the MIB encodes them, with its special values, to what can be said (pure). */
export function supplyLevel(level: number | undefined, max: number | undefined): Pick<PrinterSupply, 'levelState' | 'level' | 'maxCapacity' | 'percent'> {
  const maxCapacity = max !== undefined && max > 0 ? max : null;
  if (level === PRT_LEVEL_SOME_REMAINING) return { levelState: 'some-remaining', level: null, maxCapacity, percent: null };
  if (level === undefined || level < 0) return { levelState: 'unknown', level: null, maxCapacity, percent: null };
  if (maxCapacity === null) return { levelState: 'unknown', level, maxCapacity, percent: null };
  const percent = Math.round(Math.min(100, (level / maxCapacity) * 100) * 10) / 10;
  return { levelState: 'measured', level, maxCapacity, percent };
}

export function suppliesFromTable(rows: SnmpTable): PrinterSupply[] {
  const supplies: PrinterSupply[] = [];
  for (const [index, row] of rows) {
    const type = PRT_SUPPLY_TYPE[deviceInt(row.get(PRT_SUPPLY_COLUMNS.type)) ?? 2] ?? 'unknown';
    supplies.push({
      index,
      description: deviceText(row.get(PRT_SUPPLY_COLUMNS.description)) || type,
      type,
      class: PRT_SUPPLY_CLASS[deviceInt(row.get(PRT_SUPPLY_COLUMNS.class)) ?? 1] ?? 'other',
      ...supplyLevel(deviceInt(row.get(PRT_SUPPLY_COLUMNS.level)), deviceInt(row.get(PRT_SUPPLY_COLUMNS.maxCapacity))),
    });
  }
  return supplies;
}

/** Reads Printer-MIB supplies and page counter; undefined when the device has neither (not a printer). */
export async function readPrinter(client: SnmpClient, maxRows: number): Promise<PrinterStatus | undefined> {
  const supplyRows = await client.walkColumns(PRT_SUPPLIES_ENTRY, Object.values(PRT_SUPPLY_COLUMNS), maxRows);
  const markerRows = await client.walkColumns(PRT_MARKER_ENTRY, [PRT_MARKER_COLUMNS.lifeCount], maxRows);
  if (supplyRows.size === 0 && markerRows.size === 0) return undefined;
  let pageCount: number | null = null;
  for (const row of markerRows.values()) {
    const n = deviceInt(row.get(PRT_MARKER_COLUMNS.lifeCount));
    if (n !== undefined && n >= 0) pageCount = (pageCount ?? 0) + n;
  }
  return { supplies: suppliesFromTable(supplyRows), pageCount };
}
