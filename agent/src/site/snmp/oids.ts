// Object identifiers the poller reads, by MIB, with the enumerations it decodes.

/** SNMPv2-MIB system group (RFC 3418). */
export const SYSTEM = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
} as const;

/** IF-MIB (RFC 2863): ifEntry and ifXEntry, with the column numbers read. */
export const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
export const IF_COLUMNS = {
  descr: 2,
  type: 3,
  speed: 5,
  adminStatus: 7,
  operStatus: 8,
  inOctets: 10,
  inDiscards: 13,
  inErrors: 14,
  outOctets: 16,
  outDiscards: 19,
  outErrors: 20,
} as const;
export const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';
export const IFX_COLUMNS = { name: 1, hcInOctets: 6, hcOutOctets: 10, highSpeed: 15, alias: 18, counterDiscontinuityTime: 19 } as const;

export const IF_ADMIN_STATUS: Record<number, 'up' | 'down' | 'testing'> = { 1: 'up', 2: 'down', 3: 'testing' };
export const IF_OPER_STATUS: Record<number, 'up' | 'down' | 'testing' | 'unknown' | 'dormant' | 'notPresent' | 'lowerLayerDown'> = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
};

/** ENTITY-MIB (RFC 6933) entPhysicalEntry. */
export const ENT_PHYSICAL_ENTRY = '1.3.6.1.2.1.47.1.1.1.1';
export const ENT_COLUMNS = { descr: 2, class: 5, serialNum: 11, modelName: 13 } as const;
export const ENT_CLASS: Record<number, string> = {
  1: 'other',
  2: 'unknown',
  3: 'chassis',
  4: 'backplane',
  5: 'container',
  6: 'powerSupply',
  7: 'fan',
  8: 'sensor',
  9: 'module',
  10: 'port',
  11: 'stack',
  12: 'cpu',
  13: 'energyObject',
  14: 'battery',
  15: 'storageDrive',
};

/** Printer-MIB (RFC 3805): prtMarkerSuppliesEntry and prtMarkerLifeCount. */
export const PRT_SUPPLIES_ENTRY = '1.3.6.1.2.1.43.11.1.1';
export const PRT_SUPPLY_COLUMNS = { class: 4, type: 5, description: 6, unit: 7, maxCapacity: 8, level: 9 } as const;
export const PRT_MARKER_ENTRY = '1.3.6.1.2.1.43.10.2.1';
export const PRT_MARKER_COLUMNS = { lifeCount: 4 } as const;

/** PrtMarkerSuppliesClassTC. A receptacle fills up (waste toner): its level is not what is left. */
export const PRT_SUPPLY_CLASS: Record<number, 'other' | 'consumed' | 'filled'> = { 1: 'other', 3: 'consumed', 4: 'filled' };
/** PrtMarkerSuppliesTypeTC (RFC 3805 and IANA-PRINTER-MIB). */
export const PRT_SUPPLY_TYPE: Record<number, string> = {
  1: 'other',
  2: 'unknown',
  3: 'toner',
  4: 'wasteToner',
  5: 'ink',
  6: 'inkCartridge',
  7: 'inkRibbon',
  8: 'wasteInk',
  9: 'opc',
  10: 'developer',
  11: 'fuserOil',
  12: 'solidWax',
  13: 'ribbonWax',
  14: 'wasteWax',
  15: 'fuser',
  16: 'coronaWire',
  17: 'fuserOilWick',
  18: 'cleanerUnit',
  19: 'fuserCleaningPad',
  20: 'transferUnit',
  21: 'tonerCartridge',
  22: 'fuserOiler',
  23: 'water',
  24: 'wasteWater',
  25: 'glueWaterAdditive',
  26: 'wastePaper',
  27: 'bindingSupply',
  28: 'bandingSupply',
  29: 'stitchingWire',
  30: 'shrinkWrap',
  31: 'paperWrap',
  32: 'staples',
  33: 'inserts',
  34: 'covers',
};
/** Supplies whose running out stops printing: the ones `snmp-supply` alerts on. */
export const MARKING_SUPPLY_TYPES: ReadonlySet<string> = new Set(['toner', 'ink', 'inkCartridge', 'inkRibbon', 'tonerCartridge', 'solidWax', 'ribbonWax']);
/** prtMarkerSuppliesLevel / MaxCapacity special values. */
export const PRT_LEVEL_OTHER = -1;
export const PRT_LEVEL_UNKNOWN = -2;
export const PRT_LEVEL_SOME_REMAINING = -3;

/** UPS-MIB (RFC 1628) scalars. */
export const UPS = {
  identManufacturer: '1.3.6.1.2.1.33.1.1.1.0',
  identModel: '1.3.6.1.2.1.33.1.1.2.0',
  batteryStatus: '1.3.6.1.2.1.33.1.2.1.0',
  secondsOnBattery: '1.3.6.1.2.1.33.1.2.2.0',
  estimatedMinutesRemaining: '1.3.6.1.2.1.33.1.2.3.0',
  estimatedChargeRemaining: '1.3.6.1.2.1.33.1.2.4.0',
  outputSource: '1.3.6.1.2.1.33.1.4.1.0',
  testResultsSummary: '1.3.6.1.2.1.33.1.7.3.0',
  testStartTime: '1.3.6.1.2.1.33.1.7.5.0',
} as const;
export const UPS_BATTERY_STATUS: Record<number, 'unknown' | 'normal' | 'low' | 'depleted'> = { 1: 'unknown', 2: 'normal', 3: 'low', 4: 'depleted' };
export const UPS_OUTPUT_SOURCE: Record<number, 'other' | 'none' | 'normal' | 'bypass' | 'battery' | 'booster' | 'reducer'> = {
  1: 'other',
  2: 'none',
  3: 'normal',
  4: 'bypass',
  5: 'battery',
  6: 'booster',
  7: 'reducer',
};
export const UPS_TEST_RESULT: Record<number, 'passed' | 'warning' | 'error' | 'aborted' | 'inProgress' | 'noTestsInitiated'> = {
  1: 'passed',
  2: 'warning',
  3: 'error',
  4: 'aborted',
  5: 'inProgress',
  6: 'noTestsInitiated',
};
