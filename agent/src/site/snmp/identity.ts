import { ENT_CLASS, ENT_COLUMNS, ENT_PHYSICAL_ENTRY, SYSTEM } from './oids.js';
import { type SnmpClient, SnmpRequestError, type SnmpTable } from './session.js';
import { deviceInt, deviceText } from './text.js';

export interface SnmpSerial {
  /** entPhysicalIndex. */
  index: number;
  serial: string;
  descr: string;
  /** entPhysicalClass name: chassis, module, powerSupply… */
  class: string;
  model: string;
}

export interface SnmpIdentity {
  sysName: string;
  sysDescr: string;
  sysObjectID: string;
  /** Where the device is and whom to call about it, as its administrator set them ('' when unset). */
  sysLocation: string;
  sysContact: string;
  /** Seconds since the SNMP agent (re)started: sysUpTime / 100. */
  sysUpTime: number;
  /** Non-empty entPhysicalSerialNum entries of ENTITY-MIB, when the device has them. */
  serials: SnmpSerial[];
}

/** The system group: the first request of a poll, the one that says whether the device answers. */
export async function readSystem(client: SnmpClient): Promise<{ identity: Omit<SnmpIdentity, 'serials'>; sysUpTimeCs: number }> {
  const v = await client.get(Object.values(SYSTEM));
  const upCs = deviceInt(v.get(SYSTEM.sysUpTime));
  if (upCs === undefined) throw new SnmpRequestError('protocol', 'the device answered without sysUpTime');
  const oid = v.get(SYSTEM.sysObjectID);
  return {
    identity: {
      sysName: deviceText(v.get(SYSTEM.sysName)),
      sysDescr: deviceText(v.get(SYSTEM.sysDescr), 1024),
      sysObjectID: typeof oid === 'string' && /^[0-9.]{1,512}$/.test(oid) ? oid : '',
      sysLocation: deviceText(v.get(SYSTEM.sysLocation), 256),
      sysContact: deviceText(v.get(SYSTEM.sysContact), 256),
      sysUpTime: Math.floor(upCs / 100),
    },
    sysUpTimeCs: upCs,
  };
}

export function serialsFromTable(rows: SnmpTable): SnmpSerial[] {
  const out: SnmpSerial[] = [];
  for (const [key, row] of rows) {
    const serial = deviceText(row.get(ENT_COLUMNS.serialNum), 64);
    if (!serial) continue;
    out.push({
      index: Number(key),
      serial,
      descr: deviceText(row.get(ENT_COLUMNS.descr)),
      class: ENT_CLASS[deviceInt(row.get(ENT_COLUMNS.class)) ?? 2] ?? 'unknown',
      model: deviceText(row.get(ENT_COLUMNS.modelName), 64),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Serial numbers first, then the description of the entries that have one: a chassis lists
 * hundreds of ports and sensors without a serial, not worth walking every column for.
 */
export async function readSerials(client: SnmpClient, maxRows: number): Promise<SnmpSerial[]> {
  const rows = await client.walkColumns(ENT_PHYSICAL_ENTRY, [ENT_COLUMNS.serialNum], maxRows);
  const withSerial = [...rows].filter(([, row]) => deviceText(row.get(ENT_COLUMNS.serialNum)) !== '');
  const details = [ENT_COLUMNS.descr, ENT_COLUMNS.class, ENT_COLUMNS.modelName];
  for (let i = 0; i < withSerial.length; i += 10) {
    const batch = withSerial.slice(i, i + 10);
    const values = await client.get(batch.flatMap(([index]) => details.map((c) => `${ENT_PHYSICAL_ENTRY}.${c}.${index}`)));
    for (const [index, row] of batch) for (const c of details) row.set(c, values.get(`${ENT_PHYSICAL_ENTRY}.${c}.${index}`) ?? null);
  }
  return serialsFromTable(new Map(withSerial));
}
