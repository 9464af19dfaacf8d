import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeContext } from '../probe.js';
import { type PlatformServices, type ProcessUsage, type ServiceObservation, topBy } from './model.js';
import { argv0Basename, parseProcStat, parseSystemctlShow, processMatches, unitObservation } from './parse-linux.js';

interface ProcEntry {
  pid: number;
  comm: string;
  argv0: string;
  ticks: number;
  rssPages: number;
}

/** Every process of /proc. A process that exits while it is read is skipped. */
async function readProcessTable(procRoot: string): Promise<ProcEntry[]> {
  const pids = (await readdir(procRoot)).filter((d) => /^\d+$/.test(d));
  const entries = await Promise.all(
    pids.map(async (pid) => {
      try {
        const [stat, cmdline] = await Promise.all([readFile(`${procRoot}/${pid}/stat`, 'utf8'), readFile(`${procRoot}/${pid}/cmdline`, 'utf8')]);
        const s = parseProcStat(stat);
        return s && s.state !== 'Z' ? { pid: s.pid, comm: s.comm, argv0: argv0Basename(cmdline), ticks: s.ticks, rssPages: s.rssPages } : null;
      } catch {
        return null;
      }
    }),
  );
  return entries.filter((e): e is ProcEntry => e !== null);
}

async function getconf(ctx: ProbeContext, name: string, fallback: number): Promise<number> {
  try {
    const r = await ctx.run('getconf', [name], { timeoutMs: 5000 });
    const n = Number(r.stdout.trim());
    return r.code === 0 && Number.isInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** Linux: systemd when it answers, the process table when it does not (containers, no systemd as PID 1). */
export function linuxServices(ctx: ProbeContext, procRoot = '/proc'): PlatformServices {
  return {
    async services(required) {
      let why = '';
      try {
        const r = await ctx.run('systemctl', ['show', '--no-pager', '-p', 'Id,ActiveState,SubState,LoadState', '--', ...required], { timeoutMs: 10_000 });
        const blocks = parseSystemctlShow(r.stdout);
        if (r.code === 0 && blocks.length === required.length) {
          return { method: 'systemd', observations: required.map((name, i) => unitObservation(name, blocks[i] ?? {})) };
        }
        why = (r.stderr.trim().split('\n')[0] ?? '') || `systemctl exited with ${r.code}`;
      } catch (err) {
        why = (err as Error).message;
      }
      const table = await readProcessTable(procRoot);
      const observations = required.map((name): ServiceObservation => {
        const found = table.filter((p) => processMatches(name, p.comm, p.argv0));
        return found.length > 0
          ? { name, state: 'running', detail: `${found.length} process(es)`, values: { processes: found.length, pid: found[0]?.pid ?? null } }
          : { name, state: 'missing', detail: 'no process of that name', values: { processes: 0 } };
      });
      return { method: 'process-table', observations, note: `systemd unavailable (${why.slice(0, 200)})` };
    },

    async topProcesses(n, sampleMs) {
      const [hz, pageSize] = await Promise.all([getconf(ctx, 'CLK_TCK', 100), getconf(ctx, 'PAGESIZE', 4096)]);
      const before = new Map((await readProcessTable(procRoot)).map((p) => [p.pid, p.ticks]));
      const started = performance.now();
      await sleep(sampleMs, undefined, { signal: ctx.signal });
      const after = await readProcessTable(procRoot);
      const seconds = (performance.now() - started) / 1000;
      const usage = after.map(
        (p): ProcessUsage => ({
          pid: p.pid,
          name: p.comm,
          // A process born during the interval counts from zero.
          cpuPct: Math.round(((p.ticks - (before.get(p.pid) ?? 0)) / hz / seconds) * 1000) / 10,
          cpuSeconds: null,
          rssBytes: p.rssPages * pageSize,
        }),
      );
      return { ...topBy(usage, n), source: `/proc over ${sampleMs} ms` };
    },
  };
}
