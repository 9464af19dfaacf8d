import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export interface ProcSample {
  at: number;
  cpuSeconds: number;
  rssBytes: number;
}

/** CPU time (user + system, including reaped children) and resident memory of a process, from /proc. */
export function readProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { at: Date.now(), cpuSeconds: ticks / TICKS, rssBytes: rssKb * 1024 };
}

/** Samples a process every `everyMs` until stopped; reports CPU % over the window and RSS figures. */
export class ProcMonitor {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 1000,
  ) {
    this.samples.push(readProc(pid));
    this.timer = setInterval(() => {
      try {
        this.samples.push(readProc(pid));
      } catch {
        clearInterval(this.timer);
      }
    }, everyMs);
  }

  stop(): { cpuPct: number; rssMaxMB: number; rssMedianMB: number; rssLastMB: number; seconds: number } {
    clearInterval(this.timer);
    try {
      this.samples.push(readProc(this.pid));
    } catch {}
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const secs = (last.at - first.at) / 1000;
    const rss = this.samples.map((s) => s.rssBytes / 2 ** 20).sort((a, b) => a - b);
    return {
      cpuPct: secs > 0 ? ((last.cpuSeconds - first.cpuSeconds) / secs) * 100 : 0,
      rssMaxMB: rss[rss.length - 1] ?? 0,
      rssMedianMB: rss[Math.floor(rss.length / 2)] ?? 0,
      rssLastMB: last.rssBytes / 2 ** 20,
      seconds: secs,
    };
  }
}
