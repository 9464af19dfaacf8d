// SNMP polling for the agent's site role: devices without an agent (switches, printers, UPS),
// polled by an agent on the same site. The public face of the folder.

export { DEFAULT_SNMP_THRESHOLDS, SNMP_CHECKS, type SnmpChecksAndMetrics, type SnmpCheckThresholds, toChecksAndMetrics } from './checks.js';
export { MAX_SCAN_ADDRESSES, ScanRefusedError, scanAddresses } from './cidr.js';
export {
  describeTarget,
  parseSnmpTarget,
  SNMP_AUTH_PROTOCOLS,
  SNMP_PRIV_PROTOCOLS,
  SNMP_TARGET_DEFAULTS,
  SnmpConfigError,
  type SnmpTarget,
  SnmpTargetConfig,
  SnmpV3Credentials,
} from './config.js';
export {
  type CounterReading,
  counterDelta,
  type DeviceClock,
  type InterfaceCounters,
  type InterfaceRates,
  interfaceRates,
  type NoRateReason,
  uptimeProgress,
} from './counters.js';
export type { SnmpIdentity, SnmpSerial } from './identity.js';
export type { AdminStatus, OperStatus, SnmpInterface } from './interfaces.js';
export { labelValue } from './labels.js';
export type { Pinger, PingResult } from './ping.js';
export { type DeviceKind, SnmpPoller, type SnmpPollerOptions, type SnmpPollResult } from './poller.js';
export type { PrinterStatus, PrinterSupply } from './printer.js';
export { type ScanResponder, type SubnetScanOptions, scanSubnet } from './scan.js';
export type { SnmpErrorKind } from './session.js';
export type { UpsStatus } from './ups.js';
