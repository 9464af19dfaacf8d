import type { CheckResult, NetworkProbeConfig } from '@vigie/shared';

export interface InterfaceReading {
  iface: string;
  operstate: string;
  /** Mb/s; null when the driver does not say (virtual NICs). */
  speedMbps: number | null;
  rxErrors: number;
  txErrors: number;
}

/** Error counters of the previous run, per interface, to report errors that appeared since. */
export type ErrorMemory = Map<string, { rx: number; tx: number }>;

/**
 * Interface health: link down, link slower than expected, and receive/transmit errors that
 * appeared since the previous run (counters going back — a reboot or a reset — count from zero).
 */
export function checkInterfaces(readings: InterfaceReading[], cfg: NetworkProbeConfig, memory: ErrorMemory, now: number): CheckResult[] {
  const out: CheckResult[] = [];
  for (const r of readings) {
    const prev = memory.get(r.iface);
    memory.set(r.iface, { rx: r.rxErrors, tx: r.txErrors });
    const newRx = prev ? (r.rxErrors >= prev.rx ? r.rxErrors - prev.rx : r.rxErrors) : 0;
    const newTx = prev ? (r.txErrors >= prev.tx ? r.txErrors - prev.tx : r.txErrors) : 0;
    const values = { operstate: r.operstate, speedMbps: r.speedMbps, rxErrors: r.rxErrors, txErrors: r.txErrors, newErrors: newRx + newTx };
    const base = { check: 'network', target: `interface ${r.iface}`, observedAt: now, values };
    if (r.operstate === 'down') out.push({ ...base, status: 'critical', code: 'INTERFACE_DOWN', message: `Interface ${r.iface} is down` });
    else if (newRx + newTx > cfg.interfaceErrorsWarning)
      out.push({
        ...base,
        status: 'warning',
        code: 'INTERFACE_ERRORS',
        message: `Interface ${r.iface}: ${newRx} receive and ${newTx} transmit errors since the last check`,
      });
    else if (cfg.minLinkSpeedMbps !== null && r.speedMbps !== null && r.speedMbps > 0 && r.speedMbps < cfg.minLinkSpeedMbps)
      out.push({
        ...base,
        status: 'warning',
        code: 'INTERFACE_SLOW_LINK',
        message: `Interface ${r.iface} linked at ${r.speedMbps} Mb/s (expected ≥ ${cfg.minLinkSpeedMbps})`,
      });
    else
      out.push({
        ...base,
        status: 'ok',
        code: 'INTERFACE_OK',
        message: `Interface ${r.iface} up${r.speedMbps && r.speedMbps > 0 ? ` at ${r.speedMbps} Mb/s` : ''}`,
      });
  }
  return out;
}
