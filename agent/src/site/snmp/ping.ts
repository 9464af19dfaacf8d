import { isIP } from 'node:net';
import ping from 'ping';

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
 * ICMP echo through the system ping (the `ping` package, as the network probe uses it), apart from
 * SNMP: a device may drop pings and answer SNMP, or the reverse. The address was validated by the
 * target schema (no leading `-`), so it cannot be read as an option.
 */
export const systemPing: Pinger = async (address) => {
  const res = await ping.promise.probe(address, { min_reply: 2, timeout: 1, deadline: 3, v6: isIP(address) === 6 });
  const lossPct = num(res.packetLoss) ?? (res.alive ? 0 : 100);
  return { alive: Boolean(res.alive), lossPct, rttAvgMs: res.alive ? num(res.avg) : null };
};
