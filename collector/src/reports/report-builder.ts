import { addDays, monthBounds, monthPeriod, VigieError } from '@vigie/shared';
import { UNIT_MINUTES } from '../billing/billing-units.js';
import type { AvailabilityService } from '../stats/service.js';
import { backupFigures, compliance, inventoryKind, pct, perWeek, responseTimes, slaCompliance, statusAt, type TicketEvent } from './figures.js';
import {
  type FlowSource,
  type InventoryKindFigure,
  type InventorySection,
  type MonthlyReport,
  REPORT_DATA_VERSION,
  type RemoteActionsSection,
  type SiteAvailabilityFigure,
  type SupervisionSection,
  type TicketsSection,
} from './report-data.js';
import { patchesSection } from './report-patches.js';
import type { RemoteActionRow, ReportDeviceRow, ReportQueries, ReportRepository, ReportTicketRow } from './report-repository.js';

/** Rows a list shows in the PDF before "… and N more". */
const TICKET_LIST_MAX = 25;
const INVENTORY_LIST_MAX = 30;
const WARRANTY_WINDOW_DAYS = 90;

/**
 * Gathers one client's month from every source there is: heartbeats (through the availability
 * service), incidents, tickets and their timelines, interventions, check history, inventory
 * changes, supplied items and, when a flow store exists, flows.
 */
export class ReportBuilder {
  constructor(
    private readonly repo: ReportRepository,
    private readonly availability: AvailabilityService,
    private readonly flows: FlowSource,
  ) {}

  async build(clientId: number, month: string, now = Date.now()): Promise<MonthlyReport> {
    const period = monthPeriod(month);
    if (period.from > now) throw new VigieError('VALIDATION', `Month ${month} has not started yet`);
    const end = Math.min(period.to, now);
    const { start: firstDay, end: lastDay } = monthBounds(month);
    const avail = await this.availability.monthly(clientId, month, now);
    const flows = await this.flows.summarize(clientId, { from: period.from, to: end });
    const p = { from: period.from, to: end };
    return this.repo.snapshot(async (q) => {
      const client = await q.client(clientId);
      if (!client) throw new VigieError('NOT_FOUND', 'No such client');
      const sites = await q.sites(clientId);
      const devices = await q.devices(clientId, period.to);
      const hostnames = new Map(devices.map((d) => [d.id, d.hostname]));
      const withAgent = devices.filter((d) => d.kind !== 'agentless').length;
      const interventions = await q.interventions(clientId, firstDay, lastDay);
      return {
        version: REPORT_DATA_VERSION,
        clientId,
        clientName: client.name,
        provider: await q.providerName(),
        providerIdentity: await q.providerIdentity(),
        comment: await q.comment(clientId, month),
        month,
        period: { from: period.from, to: period.to, firstDay, lastDay },
        generatedAt: now,
        partial: now < period.to,
        sites,
        supervision: await supervision(q, clientId, p, devices, sites, avail),
        tickets: await tickets(q, clientId, p, firstDay, lastDay),
        interventions: {
          rows: interventions.map((i) => ({
            id: i.id,
            date: i.date,
            ticketId: i.ticket_id,
            ticketTitle: i.title,
            kind: i.kind,
            mode: i.mode,
            minutes: i.minutes,
            unit: i.unit,
            unitCount: i.unit_count,
            amountCents: i.amount_cents,
            expensesCents: i.expenses_cents,
          })),
          totals: {
            count: interventions.length,
            minutes: interventions.reduce((s, i) => s + i.minutes, 0),
            billedMinutes: interventions.reduce((s, i) => s + (UNIT_MINUTES[i.unit as keyof typeof UNIT_MINUTES] ?? 0) * i.unit_count, 0),
            amountCents: interventions.reduce((s, i) => s + i.amount_cents, 0),
            expensesCents: interventions.reduce((s, i) => s + i.expenses_cents, 0),
          },
        },
        remoteActions: remoteActions(await q.remoteActions(clientId, p.from, p.to)),
        backups: backupFigures(await q.checkResults(clientId, 'backup', p.from, p.to), hostnames, p),
        // Antivirus and security posture are an agent's checks: a device its site agent polls has none to miss.
        antivirus: compliance(await q.checkResults(clientId, 'antivirus', p.from, p.to), hostnames, p, withAgent, 'antivirus'),
        security: compliance(await q.checkResults(clientId, 'security', p.from, p.to), hostnames, p, withAgent, 'security'),
        inventory: {
          ...(await inventory(q, clientId, p)),
          delivered: (await q.delivered(clientId, firstDay, lastDay)).map((d) => ({
            deliveredOn: d.delivered_on,
            description: d.description,
            serial: d.serial,
            hostname: d.hostname,
          })),
        },
        warranties: await warranties(q, clientId, firstDay, lastDay),
        flows,
        patches: await patchesSection(q, clientId, p),
      };
    });
  }
}

type Avail = Awaited<ReturnType<AvailabilityService['monthly']>>;

/** At most a page of rows in the PDF; the portal lists them all. */
const REMOTE_LIST_MAX = 40;

function remoteActions(rows: RemoteActionRow[]): RemoteActionsSection {
  return {
    total: rows.length,
    refused: rows.filter((r) => r.state === 'refused').length,
    rows: rows.slice(0, REMOTE_LIST_MAX).map((r) => ({
      at: r.created_at,
      hostname: r.hostname,
      action: r.action,
      script: r.script,
      by: r.by ?? '—',
      state: r.state,
      exitCode: r.exit_code,
      errorCode: r.error_code,
    })),
    more: Math.max(0, rows.length - REMOTE_LIST_MAX),
  };
}

async function supervision(
  q: ReportQueries,
  clientId: number,
  p: { from: number; to: number },
  devices: ReportDeviceRow[],
  sites: { id: number; name: string }[],
  avail: Avail,
): Promise<SupervisionSection> {
  const byPlatform: Record<string, number> = {};
  for (const d of devices) byPlatform[d.platform ?? 'unknown'] = (byPlatform[d.platform ?? 'unknown'] ?? 0) + 1;
  // A site's availability is its devices' buckets pooled, as the client's is.
  const siteFigures: SiteAvailabilityFigure[] = [];
  for (const s of sites) {
    const ds = avail.devices.filter((d) => d.siteId === s.id);
    if (ds.length === 0) continue;
    const seen = ds.reduce((n, d) => n + d.seenBuckets, 0);
    const expected = ds.reduce((n, d) => n + d.expectedBuckets, 0);
    siteFigures.push({ siteId: s.id, name: s.name, devices: ds.length, pct: pct(seen, expected) });
  }
  const incidents = await q.incidents(clientId, p.from, p.to);
  // Each incident ticket is timed from the incident's opening (a reopened ticket is older than it).
  const openedAt = new Map<number, { receivedAt: number }>();
  for (const i of incidents) if (i.ticket_id !== null && !openedAt.has(i.ticket_id)) openedAt.set(i.ticket_id, { receivedAt: i.opened_at });
  const events = (await q.events([...openedAt.keys()], p.to)).filter((e) => e.at >= (openedAt.get(e.ticketId)?.receivedAt ?? 0));
  const times = responseTimes(openedAt, events, p);
  return {
    devices: { total: devices.length, byPlatform, enrolledInMonth: devices.filter((d) => d.created_at >= p.from).length },
    availability: {
      resolution: avail.resolution,
      clientPct: avail.clientAvailabilityPct,
      devices: avail.devices.map((d) => ({
        deviceId: d.deviceId,
        hostname: d.hostname,
        siteId: d.siteId,
        kind: d.kind,
        pct: d.availabilityPct,
        expectedBuckets: d.expectedBuckets,
        seenBuckets: d.seenBuckets,
      })),
      sites: siteFigures,
    },
    incidents: {
      total: incidents.length,
      bySeverity: {
        critical: incidents.filter((i) => i.severity === 'critical').length,
        warning: incidents.filter((i) => i.severity !== 'critical').length,
      },
      suppressed: incidents.filter((i) => i.suppressed !== null).length,
      openAtEnd: await q.incidentsOpenAt(clientId, p.to),
      acknowledge: times.acknowledge,
      resolve: times.resolve,
    },
  };
}

async function tickets(q: ReportQueries, clientId: number, p: { from: number; to: number }, firstDay: string, lastDay: string): Promise<TicketsSection> {
  const opened = await q.ticketsReceivedBetween(clientId, p.from, p.to);
  const rows = new Map<number, ReportTicketRow>();
  for (const t of [...opened, ...(await q.ticketsActiveBetween(clientId, p.from, p.to))]) rows.set(t.id, t);
  const events: TicketEvent[] = await q.events([...rows.keys()], p.to);
  const times = responseTimes(new Map([...rows].map(([id, t]) => [id, { receivedAt: t.received_at }])), events, p);
  const byChannel: Record<string, number> = {};
  for (const t of opened) byChannel[t.channel] = (byChannel[t.channel] ?? 0) + 1;
  return {
    opened: opened.length,
    openedByChannel: byChannel,
    resolved: times.resolvedAt.size,
    closed: times.closedIds.size,
    openAtEnd: await q.ticketsOpenAt(clientId, p.to),
    sla: slaCompliance(await q.ticketsDueBetween(clientId, p.from, p.to)),
    acknowledge: times.acknowledge,
    resolve: times.resolve,
    perWeek: perWeek(
      firstDay,
      lastDay,
      opened.map((t) => t.received_at),
      [...times.resolvedAt.values()],
    ),
    list: opened.slice(0, TICKET_LIST_MAX).map((t) => ({
      id: t.id,
      title: t.title,
      channel: t.channel,
      priority: t.priority,
      status: statusAt(t.id, events, p.to),
      receivedAt: t.received_at,
      sla:
        t.sla_deadline_at === null
          ? 'none'
          : t.intervention_started_at === null
            ? t.sla_deadline_at < p.to
              ? 'breached'
              : 'running'
            : t.intervention_started_at <= t.sla_deadline_at
              ? 'met'
              : 'missed',
    })),
    more: Math.max(0, opened.length - TICKET_LIST_MAX),
  };
}

function describeItem(section: string, key: string, raw: string | null): { label: string; item: Record<string, unknown> | null } {
  const item = raw ? (JSON.parse(raw) as unknown) : null;
  const obj = item && typeof item === 'object' ? (item as Record<string, unknown>) : null;
  if (section === 'software' && obj) return { label: [obj.name, obj.version].filter(Boolean).join(' '), item: obj };
  if (section === 'disks' && obj) return { label: [obj.model, obj.serial ? `(${String(obj.serial)})` : ''].filter(Boolean).join(' ') || key, item: obj };
  if (obj === null && item !== null && item !== undefined) return { label: `${key}: ${String(item)}`, item: null };
  return { label: key, item: obj };
}

async function inventory(q: ReportQueries, clientId: number, p: { from: number; to: number }): Promise<InventorySection> {
  const empty = (): InventoryKindFigure => ({ added: 0, removed: 0, changed: 0, items: [], more: 0 });
  const out: InventorySection = { newDevices: [], hardware: empty(), software: empty() };
  for (const c of await q.inventoryChanges(clientId, p.from, p.to)) {
    if (c.section === 'device' && c.change === 'added') {
      out.newDevices.push({ hostname: c.hostname, at: c.changed_at });
      continue;
    }
    const d = describeItem(c.section, c.item_key, c.change === 'removed' ? c.before : c.after);
    const kind = inventoryKind(c.section, d.item);
    if (!kind) continue;
    const fig = out[kind];
    fig[c.change]++;
    // Updates are counted; what appeared and disappeared is listed.
    if (c.change === 'changed') continue;
    if (fig.items.length < INVENTORY_LIST_MAX) fig.items.push({ at: c.changed_at, hostname: c.hostname, section: c.section, change: c.change, item: d.label });
    else fig.more++;
  }
  return out;
}

async function warranties(q: ReportQueries, clientId: number, firstDay: string, lastDay: string) {
  const to = addDays(lastDay, WARRANTY_WINDOW_DAYS);
  return {
    from: firstDay,
    to,
    items: (await q.warranties(clientId, firstDay, to)).map((w) => ({
      description: w.description,
      serial: w.serial,
      deliveredOn: w.delivered_on,
      warrantyEnd: w.warranty_end,
      ended: w.warranty_end <= lastDay,
    })),
  };
}
