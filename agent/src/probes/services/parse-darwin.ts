import type { ProcessUsage, ServiceObservation } from './model.js';

export interface LaunchdJob {
  label: string;
  pid: number | null;
  /** Last exit status; negative is the signal that ended it. */
  lastExit: number | null;
}

/** `launchctl list`: a `PID\tStatus\tLabel` header then one tab-separated line per job; `-` for no PID. */
export function parseLaunchctlList(text: string): LaunchdJob[] {
  const jobs: LaunchdJob[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cols = line.split('\t');
    if (cols.length < 3 || cols[0] === 'PID') continue;
    const [pid = '', status = '', ...label] = cols;
    const n = Number(pid);
    const s = Number(status);
    jobs.push({
      label: label.join('\t').trim(),
      pid: pid !== '-' && Number.isInteger(n) ? n : null,
      lastExit: status !== '-' && Number.isInteger(s) ? s : null,
    });
  }
  return jobs;
}

export function launchdObservation(required: string, jobs: readonly LaunchdJob[]): ServiceObservation {
  const job = jobs.find((j) => j.label === required);
  if (!job) return { name: required, state: 'missing', detail: 'no launchd job with that label' };
  const values = { label: job.label, pid: job.pid, lastExit: job.lastExit };
  return job.pid !== null
    ? { name: required, state: 'running', detail: `pid ${job.pid}`, values }
    : { name: required, state: 'stopped', detail: `loaded, not running (last exit ${job.lastExit ?? '?'})`, values };
}

/** `ps -Aco pid=,pcpu=,rss=,comm=`: pid, %CPU, RSS in KiB, executable name (may hold spaces). */
export function parsePs(text: string): ProcessUsage[] {
  const out: ProcessUsage[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+([\d.,]+)\s+(\d+)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    out.push({ pid: Number(m[1]), cpuPct: Number((m[2] ?? '0').replace(',', '.')), cpuSeconds: null, rssBytes: Number(m[3]) * 1024, name: m[4] ?? '?' });
  }
  return out;
}
