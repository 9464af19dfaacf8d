import si from 'systeminformation';
import type { InterfaceReading } from './interface-check.js';

/** Windows and macOS: interfaces and gateway through systeminformation. */

export async function readSiInterfaces(): Promise<InterfaceReading[]> {
  const [ifs, stats] = await Promise.all([si.networkInterfaces(), si.networkStats('*')]);
  const byName = new Map(stats.map((s) => [s.iface, s]));
  return (Array.isArray(ifs) ? ifs : [ifs])
    .filter((i) => !i.internal && !i.virtual && i.type !== 'virtual')
    .map((i) => {
      const st = byName.get(i.iface);
      return {
        iface: i.iface,
        operstate: st?.operstate ?? i.operstate,
        speedMbps: typeof i.speed === 'number' && i.speed > 0 ? i.speed : null,
        rxErrors: st?.rx_errors ?? 0,
        txErrors: st?.tx_errors ?? 0,
      };
    });
}

export async function siDefaultGateway(): Promise<string | undefined> {
  try {
    const gw = await si.networkGatewayDefault();
    return gw && gw !== '-' ? gw : undefined;
  } catch {
    return undefined;
  }
}
