import type { ServiceObservation } from './model.js';

/** `systemctl show a b -p Id,ActiveState,SubState,LoadState`: one block of `Key=Value` lines per unit, in argument order. */
export function parseSystemctlShow(text: string): Record<string, string>[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((block) => {
      const props: Record<string, string> = {};
      for (const line of block.split(/\r?\n/)) {
        const eq = line.indexOf('=');
        if (eq > 0) props[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
      }
      return props;
    })
    .filter((props) => Object.keys(props).length > 0);
}

/** A unit's state from its properties: not-found → missing; active/reloading → running; anything else → stopped. */
export function unitObservation(name: string, props: Record<string, string>): ServiceObservation {
  const load = props.LoadState ?? '';
  const active = props.ActiveState ?? '';
  const sub = props.SubState ?? '';
  const values = { unit: props.Id ?? name, loadState: load, activeState: active, subState: sub };
  if (load === 'not-found') return { name, state: 'missing', detail: 'unit not found', values };
  if (active === 'active' || active === 'reloading') return { name, state: 'running', detail: `${active}/${sub}`, values };
  return { name, state: 'stopped', detail: load === 'masked' ? `masked, ${active}/${sub}` : `${active}/${sub}`, values };
}

export interface ProcStat {
  pid: number;
  /** The kernel's process name (at most 15 characters). */
  comm: string;
  state: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
  rssPages: number;
}

/** `/proc/<pid>/stat`. The name is between the first `(` and the LAST `)`: it may itself hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime/stime are fields 14/15, rss field 24.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const rss = Number(rest[21]);
  if (!Number.isInteger(pid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? '?', ticks: utime + stime, rssPages: Number.isFinite(rss) ? rss : 0 };
}

/** `/proc/<pid>/cmdline`: NUL-separated arguments; the basename of argv[0] (kernel threads have none). */
export function argv0Basename(cmdline: string): string {
  const argv0 = cmdline.split('\0')[0] ?? '';
  return argv0.slice(argv0.lastIndexOf('/') + 1);
}

/**
 * Whether a process is the daemon a required name designates, without systemd: the name with any
 * `.service` suffix against the kernel name (truncated to 15 characters) or argv[0]'s basename.
 */
export function processMatches(required: string, comm: string, argv0: string): boolean {
  const name = required.replace(/\.service$/, '');
  if (!name) return false;
  return comm === name || comm === name.slice(0, 15) || argv0 === name;
}
