import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
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

// /proc/<pid>/stat fits in a page, and argv[0] is at the head of cmdline: one buffer serves every read.
const procBuffer = Buffer.allocUnsafe(4096);

/**
 * The head of a /proc file, or undefined when the process exited meanwhile. Synchronous on purpose:
 * /proc is answered by the kernel without I/O, and two small reads per process are far cheaper than
 * as many promise-based readFile calls (each an open, fstat, read and close on the thread pool with
 * a 64 KiB buffer, for a file whose size /proc reports as 0).
 */
function readProcHead(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, procBuffer, 0, procBuffer.length, 0);
    return procBuffer.toString('utf8', 0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Every process of /proc (argv[0] too when asked: only the service check needs it). A process that exits while it is read is skipped. */
function readProcessTable(procRoot: string, withArgv0: boolean): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const pid of readdirSync(procRoot)) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = readProcHead(`${procRoot}/${pid}/stat`);
    const s = stat === undefined ? null : parseProcStat(stat);
    if (!s || s.state === 'Z') continue;
    const argv0 = withArgv0 ? argv0Basename(readProcHead(`${procRoot}/${pid}/cmdline`) ?? '') : '';
    out.push({ pid: s.pid, comm: s.comm, argv0, ticks: s.ticks, rssPages: s.rssPages });
  }
  return out;
}

/** getconf's answers do not change while the system runs: asked once per agent process. */
const sysconf = new Map<string, number>();

async function getconf(ctx: ProbeContext, name: string, fallback: number): Promise<number> {
  const known = sysconf.get(name);
  if (known !== undefined) return known;
  try {
    const r = await ctx.run('getconf', [name], { timeoutMs: 5000 });
    const n = Number(r.stdout.trim());
    if (r.code === 0 && Number.isInteger(n) && n > 0) {
      sysconf.set(name, n);
      return n;
    }
  } catch {}
  return fallback;
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
      const table = readProcessTable(procRoot, true);
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
      const before = new Map(readProcessTable(procRoot, false).map((p) => [p.pid, p.ticks]));
      const started = performance.now();
      await sleep(sampleMs, undefined, { signal: ctx.signal });
      const after = readProcessTable(procRoot, false);
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
