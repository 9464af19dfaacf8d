import { systemPing as outboundPing } from '../../outbound/index.js';

export interface PingResult {
  alive: boolean;
  lossPct: number | null;
  rttAvgMs: number | null;
}

export type Pinger = (address: string) => Promise<PingResult>;

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
  return Number.isFinite(n) ? n : null;
};

/**
 * ICMP echo through the system ping (as the network probe uses it), apart from SNMP: a device may
 * drop pings and answer SNMP, or the reverse. Gets the address the outbound guard checked.
 */
export const systemPing: Pinger = async (address) => {
  const res = await outboundPing(address, { count: 2, timeoutSec: 1, deadlineSec: 3 });
  const lossPct = num(res.packetLoss) ?? (res.alive ? 0 : 100);
  return { alive: Boolean(res.alive), lossPct, rttAvgMs: res.alive ? num(res.avg) : null };
};
