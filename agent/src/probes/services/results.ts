import type { CheckResult } from '@vigie/shared';
import type { ProcessUsage, ServiceMethod, ServiceObservation } from './model.js';

const CHECK = 'services';

/** running → SERVICE_RUNNING ok; stopped → SERVICE_STOPPED critical; missing (not installed) → SERVICE_UNKNOWN warning. */
export function serviceResult(o: ServiceObservation, method: ServiceMethod, observedAt: number): CheckResult {
  const values = { method, ...o.values };
  const base = { check: CHECK, target: o.name, observedAt, values };
  switch (o.state) {
    case 'running':
      return { ...base, status: 'ok', code: 'SERVICE_RUNNING', message: `${o.name} is running (${o.detail})` };
    case 'stopped':
      return { ...base, status: 'critical', code: 'SERVICE_STOPPED', message: `${o.name} is not running (${o.detail})` };
    default: {
      // Without systemd the process table cannot tell "not installed" from "stopped": both are critical then.
      const withoutManager = method === 'process-table';
      return withoutManager
        ? {
            ...base,
            status: 'critical',
            code: 'SERVICE_STOPPED',
            message: `${o.name}: no running process of that name (read from the process table, systemd unavailable)`,
          }
        : { ...base, status: 'warning', code: 'SERVICE_UNKNOWN', message: `${o.name} is not installed (${o.detail})` };
    }
  }
}

/** One result with the top processes as flat values: cpu1_name, cpu1_pid, cpu1_pct (or cpu1_seconds), mem1_name, mem1_pid, mem1_rss… */
export function topProcessesResult(byCpu: readonly ProcessUsage[], byMemory: readonly ProcessUsage[], source: string, observedAt: number): CheckResult {
  const values: Record<string, number | string | null> = { source };
  byCpu.forEach((p, i) => {
    values[`cpu${i + 1}_name`] = p.name;
    values[`cpu${i + 1}_pid`] = p.pid;
    if (p.cpuPct !== null) values[`cpu${i + 1}_pct`] = p.cpuPct;
    if (p.cpuSeconds !== null || p.cpuPct === null) values[`cpu${i + 1}_seconds`] = p.cpuSeconds;
    values[`cpu${i + 1}_rss`] = p.rssBytes;
  });
  byMemory.forEach((p, i) => {
    values[`mem${i + 1}_name`] = p.name;
    values[`mem${i + 1}_pid`] = p.pid;
    values[`mem${i + 1}_rss`] = p.rssBytes;
  });
  const mb = (b: number) => `${Math.round(b / 1048576)} MB`;
  const cpu = byCpu[0];
  const mem = byMemory[0];
  const cpuText = cpu ? `${cpu.name} ${cpu.cpuPct !== null ? `${cpu.cpuPct} % CPU` : `${cpu.cpuSeconds ?? '?'} s CPU`}` : 'none';
  return {
    check: CHECK,
    target: 'top-processes',
    status: 'ok',
    code: 'TOP_PROCESSES',
    message: `Top CPU: ${cpuText}; top memory: ${mem ? `${mem.name} ${mb(mem.rssBytes)}` : 'none'}`,
    values,
    observedAt,
  };
}
