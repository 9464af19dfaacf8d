/** What each platform reports, before it becomes check results. */

/** How the state of the required services was read. */
export type ServiceMethod = 'systemd' | 'process-table' | 'windows-scm' | 'launchd';

export interface ServiceObservation {
  /** The name as the policy gave it. */
  name: string;
  state: 'running' | 'stopped' | 'missing';
  /** The platform's own words for the state (`inactive/dead`, `Stopped`, `exit 78`…). */
  detail: string;
  values?: Record<string, number | string | boolean | null>;
}

export interface ProcessUsage {
  pid: number;
  name: string;
  /** Linux/macOS: % of one CPU over the sampling interval (or ps's average); Windows: null. */
  cpuPct: number | null;
  /** Windows: processor seconds since the process started; elsewhere null. */
  cpuSeconds: number | null;
  rssBytes: number;
}

export interface PlatformServices {
  /** State of each required service, in the order given. */
  services(required: readonly string[]): Promise<{ method: ServiceMethod; observations: ServiceObservation[]; note?: string }>;
  /** The top `n` processes by CPU and by memory. */
  topProcesses(n: number, sampleMs: number): Promise<{ byCpu: ProcessUsage[]; byMemory: ProcessUsage[]; source: string }>;
}

export function topBy(list: readonly ProcessUsage[], n: number) {
  const cpu = (p: ProcessUsage) => p.cpuPct ?? p.cpuSeconds ?? 0;
  return {
    byCpu: [...list].sort((a, b) => cpu(b) - cpu(a) || b.rssBytes - a.rssBytes).slice(0, n),
    byMemory: [...list].sort((a, b) => b.rssBytes - a.rssBytes).slice(0, n),
  };
}
