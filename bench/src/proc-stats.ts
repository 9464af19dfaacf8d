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

/** The process and its descendants (a clustered collector is a primary and its workers). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const children = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (children) out.push(...children.split(' ').map(Number));
    } catch {}
  }
  return out;
}

/** CPU and RSS summed over a process tree (children that exited are counted in their parent's CPU). */
export function readTree(pid: number): ProcSample {
  const samples = processTree(pid).flatMap((p) => {
    try {
      return [readProc(p)];
    } catch {
      return [];
    }
  });
  return { at: Date.now(), cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0), rssBytes: samples.reduce((a, s) => a + s.rssBytes, 0) };
}

/** Samples a process (and its descendants) every `everyMs` until stopped; reports CPU % over the window and RSS figures. */
export class ProcMonitor {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 1000,
  ) {
    this.samples.push(readTree(pid));
    this.timer = setInterval(() => {
      try {
        this.samples.push(readTree(pid));
      } catch {
        clearInterval(this.timer);
      }
    }, everyMs);
  }

  stop(): { cpuPct: number; rssMaxMB: number; rssMedianMB: number; rssLastMB: number; seconds: number } {
    clearInterval(this.timer);
    try {
      this.samples.push(readTree(this.pid));
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
