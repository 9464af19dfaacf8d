/**
 * The report's figures as plain functions over rows: response times from tickets' timelines, SLA
 * compliance, backup success and gaps from the check history, compliance at the period's end.
 * No SQL and no clock here, so each rule has a table-driven test.
 */
import { addDays, dayOfWeek, describeCheck, parisDate } from '@vigie/shared';
import type { BackupFigure, ComplianceFinding, ComplianceSection, Timing, WeekFigure } from './report-data.js';

export interface Period {
  from: number;
  to: number;
}

export function timing(durations: readonly number[]): Timing {
  if (durations.length === 0) return { count: 0, meanMs: null, medianMs: null };
  const sorted = [...durations].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = sorted.reduce((s, d) => s + d, 0) / sorted.length;
  return { count: sorted.length, meanMs: Math.round(mean), medianMs: Math.round(median) };
}

/** Share as a percentage with two decimals, rounded down (100 means all); null when nothing counted. */
export function pct(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  return Math.floor((part * 10_000) / whole) / 100;
}

export interface TicketEvent {
  ticketId: number;
  at: number;
  type: string;
  author: string;
  /** For status events: the status moved to, and from. */
  to?: string | undefined;
  from?: string | undefined;
}

/** A person working the ticket: staff change its status, assign it or record time (clients only comment). */
const ACK_TYPES = new Set(['status', 'assign', 'time', 'intervention']);

export function isAcknowledgement(e: TicketEvent): boolean {
  return e.author.startsWith('user:') && ACK_TYPES.has(e.type);
}

/** Resolved, or closed straight from an unresolved status. */
export function isResolution(e: TicketEvent): boolean {
  return e.type === 'status' && (e.to === 'resolved' || (e.to === 'closed' && e.from !== 'resolved'));
}

/**
 * Time to acknowledge: receipt → the first action of a person, for tickets first acknowledged in
 * the period. Time to resolve: receipt → the last resolution in the period, for tickets resolved in
 * it (a ticket reopened and resolved again counts once, with its final resolution).
 */
export function responseTimes(
  tickets: ReadonlyMap<number, { receivedAt: number }>,
  events: readonly TicketEvent[],
  period: Period,
): { acknowledge: Timing; resolve: Timing; resolvedAt: Map<number, number>; closedIds: Set<number> } {
  const firstAck = new Map<number, number>();
  const lastResolution = new Map<number, number>();
  const closedIds = new Set<number>();
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (isAcknowledgement(e) && !firstAck.has(e.ticketId)) firstAck.set(e.ticketId, e.at);
    if (e.at < period.from || e.at >= period.to) continue;
    if (isResolution(e)) lastResolution.set(e.ticketId, e.at);
    if (e.type === 'status' && e.to === 'closed') closedIds.add(e.ticketId);
  }
  const ack: number[] = [];
  for (const [id, at] of firstAck) {
    const t = tickets.get(id);
    if (t && at >= period.from && at < period.to) ack.push(Math.max(0, at - t.receivedAt));
  }
  const res: number[] = [];
  for (const [id, at] of lastResolution) {
    const t = tickets.get(id);
    if (t) res.push(Math.max(0, at - t.receivedAt));
  }
  return { acknowledge: timing(ack), resolve: timing(res), resolvedAt: lastResolution, closedIds };
}

/** The status each ticket had at `at`, replaying its status events (a ticket starts as "new"). */
export function statusAt(ticketId: number, events: readonly TicketEvent[], at: number): string {
  let status = 'new';
  let last = -Infinity;
  for (const e of events) {
    if (e.ticketId !== ticketId || e.type !== 'status' || !e.to || e.at >= at || e.at < last) continue;
    status = e.to;
    last = e.at;
  }
  return status;
}

/**
 * Contract 2.6 over the tickets whose deadline fell in the period: met when the intervention began
 * by the deadline, missed when it began later, breached when it had not begun by the period's end.
 */
export function slaCompliance(tickets: readonly { deadline: number; startedAt: number | null }[]) {
  let met = 0;
  let missed = 0;
  let breached = 0;
  for (const t of tickets) {
    if (t.startedAt === null) breached++;
    else if (t.startedAt <= t.deadline) met++;
    else missed++;
  }
  return { withDeadline: tickets.length, met, missed, breached, compliancePct: pct(met, tickets.length) };
}

/** Monday-to-Sunday weeks (Paris) cut to the month; each starts on its first day inside the month. */
export function weeksOfMonth(firstDay: string, lastDay: string): string[] {
  const weeks = [firstDay];
  for (let d = addDays(firstDay, 1); d <= lastDay; d = addDays(d, 1)) if (dayOfWeek(d) === 1) weeks.push(d);
  return weeks;
}

export function perWeek(firstDay: string, lastDay: string, opened: readonly number[], resolved: readonly number[]): WeekFigure[] {
  const weeks = weeksOfMonth(firstDay, lastDay);
  const index = (t: number) => {
    const d = parisDate(t);
    let i = -1;
    for (let k = 0; k < weeks.length && weeks[k]! <= d; k++) i = k;
    return d > lastDay ? -1 : i;
  };
  const out = weeks.map((from) => ({ from, opened: 0, resolved: 0 }));
  for (const t of opened) {
    const i = index(t);
    if (i >= 0) out[i]!.opened++;
  }
  for (const t of resolved) {
    const i = index(t);
    if (i >= 0) out[i]!.resolved++;
  }
  return out;
}

export interface CheckRow {
  deviceId: number;
  target: string;
  status: string;
  code: string;
  message: string;
  values: Record<string, unknown> | null;
  observedAt: number;
}

/**
 * Longest stretch of [from, to) with no successful backup: between consecutive restore points, from
 * the period's start (or, with no earlier restore point known, from the first observation: the
 * device is not blamed before it was watched) and up to the period's end.
 */
export function longestGap(successes: readonly number[], from: number, to: number, watchedFrom: number): { ms: number; atEnd: boolean } {
  const points = [...new Set(successes)].filter((t) => t < to).sort((a, b) => a - b);
  const before = points.filter((t) => t <= from);
  let cursor = before.length > 0 ? from : Math.max(from, Math.min(watchedFrom, to));
  let longest = 0;
  for (const t of points) {
    if (t <= cursor) continue;
    longest = Math.max(longest, t - cursor);
    cursor = t;
  }
  const tail = to - cursor;
  return tail >= longest && tail > 0 ? { ms: tail, atEnd: true } : { ms: longest, atEnd: false };
}

/** A restore point a backup result vouches for: its `lastSuccessAt`, else the run itself when OK. */
function restorePoint(r: CheckRow): number | null {
  const v = r.values?.lastSuccessAt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return r.status === 'ok' && r.values?.lastSuccessAt === undefined ? r.observedAt : null;
}

/** Backup figures per device and target, from the results observed up to the period's end. */
export function backupFigures(rows: readonly CheckRow[], hostnames: ReadonlyMap<number, string>, period: Period): BackupFigure[] {
  const groups = new Map<string, CheckRow[]>();
  for (const r of rows) {
    if (r.observedAt >= period.to) continue;
    const key = `${r.deviceId}\u0000${r.target}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: BackupFigure[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.observedAt - b.observedAt);
    const inPeriod = g.filter((r) => r.observedAt >= period.from);
    if (inPeriod.length === 0) continue;
    const first = inPeriod[0]!;
    const successes = g.map(restorePoint).filter((t): t is number => t !== null);
    const gap = longestGap(successes, period.from, period.to, first.observedAt);
    const okRuns = inPeriod.filter((r) => r.status === 'ok').length;
    const inMonth = new Set(successes.filter((t) => t >= period.from && t < period.to));
    const lastSuccess = successes.filter((t) => t < period.to).reduce<number | null>((m, t) => (m === null || t > m ? t : m), null);
    out.push({
      deviceId: first.deviceId,
      hostname: hostnames.get(first.deviceId) ?? `#${first.deviceId}`,
      target: first.target,
      runs: inPeriod.length,
      okRuns,
      okPct: pct(okRuns, inPeriod.length),
      restorePoints: inMonth.size,
      lastSuccessAt: lastSuccess,
      longestGapMs: gap.ms,
      gapAtEnd: gap.atEnd,
      statusAtEnd: inPeriod.at(-1)!.status,
    });
  }
  return out.sort((a, b) => a.hostname.localeCompare(b.hostname) || a.target.localeCompare(b.target));
}

/**
 * Compliance at the period's end (each device's last result per target before it ends) and over the
 * period (share of OK results). A device is compliant when all its targets were OK at the end.
 */
export function compliance(
  rows: readonly CheckRow[],
  hostnames: ReadonlyMap<number, string>,
  period: Period,
  devicesTotal: number,
  check = '',
): ComplianceSection {
  const inPeriod = rows.filter((r) => r.observedAt >= period.from && r.observedAt < period.to);
  const last = new Map<string, CheckRow>();
  for (const r of inPeriod) {
    const key = `${r.deviceId}\u0000${r.target}`;
    const cur = last.get(key);
    if (!cur || r.observedAt >= cur.observedAt) last.set(key, r);
  }
  const devices = new Map<number, CheckRow[]>();
  const targets = new Map<string, { reporting: number; compliant: number }>();
  for (const r of last.values()) {
    devices.set(r.deviceId, [...(devices.get(r.deviceId) ?? []), r]);
    const t = targets.get(r.target) ?? { reporting: 0, compliant: 0 };
    t.reporting++;
    if (r.status === 'ok') t.compliant++;
    targets.set(r.target, t);
  }
  const findings: ComplianceFinding[] = [...last.values()]
    .filter((r) => r.status !== 'ok')
    .map((r) => ({
      deviceId: r.deviceId,
      hostname: hostnames.get(r.deviceId) ?? `#${r.deviceId}`,
      target: r.target,
      status: r.status,
      code: r.code,
      message: r.message,
      // The agent's message is its own (often English); the report speaks the reader's language.
      text: {
        fr: describeCheck({ check, target: r.target, code: r.code, status: r.status, values: r.values ?? undefined }, 'fr') ?? r.message,
        en: describeCheck({ check, target: r.target, code: r.code, status: r.status, values: r.values ?? undefined }, 'en') ?? r.message,
      },
    }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.target.localeCompare(b.target));
  const compliant = [...devices.values()].filter((rs) => rs.every((r) => r.status === 'ok')).length;
  return {
    devicesReporting: devices.size,
    devicesCompliant: compliant,
    okPct: pct(inPeriod.filter((r) => r.status === 'ok').length, inPeriod.length),
    targets: [...targets].map(([target, t]) => ({ target, ...t })).sort((a, b) => a.target.localeCompare(b.target)),
    findings,
    devicesSilent: Math.max(0, devicesTotal - devices.size),
  };
}

/** Inventory sections that are hardware, and those that are software; the rest (file systems, sessions) is not reported. */
export const HARDWARE_SECTIONS = new Set(['system', 'bios', 'baseboard', 'chassis', 'cpu', 'memory', 'memory.modules', 'disks', 'network']);
export const SOFTWARE_SECTIONS = new Set(['software', 'os']);

export function inventoryKind(section: string, item: Record<string, unknown> | null): 'hardware' | 'software' | null {
  if (SOFTWARE_SECTIONS.has(section)) return 'software';
  // Virtual interfaces (containers, VPNs) come and go: not a hardware change.
  if (section === 'network' && item?.virtual === true) return null;
  return HARDWARE_SECTIONS.has(section) ? 'hardware' : null;
}
