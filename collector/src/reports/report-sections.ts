/** One drawer per section of the monthly report; each says so when its source had nothing. */
import { parisDate } from '@vigie/shared';
import { pct } from './figures.js';
import { groupedColumns, horizontalBars } from './report-charts.js';
import type { ComplianceSection, FlowSummary, InventoryKindFigure, MonthlyReport, Timing } from './report-data.js';
import { type Pen, S } from './report-pen.js';

const OPENED_COLOR = '#5b7fa6';
const RESOLVED_COLOR = '#23395b';
/** Request channels in the contract's order (2.6), then monitoring; an unknown one last. */
const CHANNELS = ['portal', 'email', 'phone', 'monitoring'];

function responseTable(pen: Pen, acknowledge: Timing, resolve: Timing): void {
  const { m, f } = pen;
  pen.table(
    [
      { label: m.responseTable[0]!, share: 0.4 },
      { label: m.responseTable[1]!, share: 0.16, align: 'right' },
      { label: m.responseTable[2]!, share: 0.22, align: 'right' },
      { label: m.responseTable[3]!, share: 0.22, align: 'right' },
    ],
    [
      [m.acknowledge, String(acknowledge.count), f.duration(acknowledge.meanMs), f.duration(acknowledge.medianMs)],
      [m.resolve, String(resolve.count), f.duration(resolve.meanMs), f.duration(resolve.medianMs)],
    ],
  );
}

export function drawSupervision(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  const s = r.supervision;
  pen.heading(m.sections.supervision);
  pen.text(m.devices(s.devices.total, s.devices.enrolledInMonth), S.bold);
  pen.gap(4);
  if (s.availability.devices.length === 0) pen.none(m.noDevices);
  else {
    pen.text(m.availabilityHow(s.availability.resolution === '5m' ? '5 min' : '1 h'), S.small);
    if (s.availability.devices.some((d) => d.kind === 'agentless')) pen.text(m.availabilityAgentless, S.small);
    pen.gap(4);
    const multiSite = s.availability.sites.length > 1;
    const siteName = new Map(r.sites.map((x) => [x.id, x.name]));
    horizontalBars(
      pen.flow,
      m.availabilityChart,
      s.availability.devices.map((d) => ({
        label: multiSite ? `${d.hostname} (${siteName.get(d.siteId) ?? d.siteId})` : d.hostname,
        value: d.pct,
        valueText: f.pct(d.pct),
      })),
    );
    pen.table(
      [
        { label: m.site, share: 0.6 },
        { label: m.deviceCount, share: 0.2, align: 'right' },
        { label: m.availabilityCol, share: 0.2, align: 'right' },
      ],
      [
        ...s.availability.sites.map((x) => [x.name, String(x.devices), f.pct(x.pct)]),
        [r.clientName, String(s.availability.devices.length), f.pct(s.availability.clientPct)],
      ],
    );
  }
  pen.subheading(m.keyFigures.incidents);
  if (s.incidents.total === 0) pen.none(m.noIncidents);
  else {
    pen.text(m.incidentsLine(s.incidents.total, s.incidents.bySeverity.critical, s.incidents.bySeverity.warning));
    if (s.incidents.suppressed > 0) pen.text(m.incidentsSuppressed(s.incidents.suppressed));
    pen.gap(4);
    responseTable(pen, s.incidents.acknowledge, s.incidents.resolve);
  }
  if (s.incidents.openAtEnd > 0) pen.text(m.incidentsOpen(s.incidents.openAtEnd));
}

export function drawTickets(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  const t = r.tickets;
  pen.heading(m.sections.tickets);
  if (t.opened === 0 && t.resolved === 0 && t.closed === 0) pen.none(m.noTickets);
  else {
    pen.text(m.ticketsLine(t.opened, t.resolved, t.closed, t.openAtEnd), S.bold);
    const rank = (c: string) => (CHANNELS.indexOf(c) + CHANNELS.length + 1) % (CHANNELS.length + 1);
    const channels = Object.entries(t.openedByChannel)
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([c, n]) => `${m.channel[c] ?? c} ${n}`);
    if (channels.length > 0) pen.labelled(m.byChannel, channels.join(', '));
    pen.gap(4);
  }
  if (t.sla.withDeadline === 0) pen.none(m.noSla);
  else {
    pen.labelled(m.slaTitle, `${f.pct(t.sla.compliancePct)} \u2014 ${m.slaLine(t.sla.met, t.sla.withDeadline)}`);
    if (t.sla.missed + t.sla.breached > 0) pen.text(m.slaDetail(t.sla.missed, t.sla.breached));
    pen.gap(4);
  }
  if (t.opened + t.resolved === 0) return;
  responseTable(pen, t.acknowledge, t.resolve);
  pen.text(m.responseHow, S.small);
  pen.gap(6);
  groupedColumns(
    pen.flow,
    m.weekChart,
    [
      { name: m.opened, color: OPENED_COLOR },
      { name: m.resolved, color: RESOLVED_COLOR },
    ],
    t.perWeek.map((w) => ({ label: m.weekOf(f.shortDate(w.from)), values: [w.opened, w.resolved] })),
  );
  if (t.list.length > 0) {
    pen.table(
      [
        { label: m.ticketColumns[0]!, share: 0.07 },
        { label: m.ticketColumns[1]!, share: 0.15 },
        { label: m.ticketColumns[2]!, share: 0.34 },
        { label: m.ticketColumns[3]!, share: 0.11 },
        { label: m.ticketColumns[4]!, share: 0.1 },
        { label: m.ticketColumns[5]!, share: 0.12 },
        { label: m.ticketColumns[6]!, share: 0.11 },
      ],
      t.list.map((x) => [
        `#${x.id}`,
        f.dateTime(x.receivedAt),
        x.title,
        m.channel[x.channel] ?? x.channel,
        m.priority[x.priority] ?? x.priority,
        m.status[x.status] ?? x.status,
        m.sla[x.sla] ?? x.sla,
      ]),
    );
    if (t.more > 0) pen.text(m.andMore(t.more), S.small);
  }
}

export function drawInterventions(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  const iv = r.interventions;
  pen.heading(m.sections.interventions);
  if (iv.rows.length === 0) {
    pen.none(m.noInterventions);
    return;
  }
  pen.table(
    [
      { label: m.interventionColumns[0]!, share: 0.11 },
      { label: m.interventionColumns[1]!, share: 0.08 },
      { label: m.interventionColumns[2]!, share: 0.3 },
      { label: m.interventionColumns[3]!, share: 0.17 },
      { label: m.interventionColumns[4]!, share: 0.09, align: 'right' },
      { label: m.interventionColumns[5]!, share: 0.1, align: 'right' },
      { label: m.interventionColumns[6]!, share: 0.15, align: 'right' },
    ],
    iv.rows.map((x) => [
      f.date(x.date),
      `#${x.ticketId}`,
      x.ticketTitle,
      `${m.kind[x.kind] ?? x.kind} ${m.mode[x.mode] ?? x.mode}`,
      f.minutes(x.minutes),
      `${x.unitCount}\u00a0\u00d7\u00a0${m.unit[x.unit] ?? x.unit}`,
      f.money(x.amountCents),
    ]),
  );
  pen.text(m.interventionTotals(iv.totals.count, f.minutes(iv.totals.minutes), f.minutes(iv.totals.billedMinutes), f.money(iv.totals.amountCents)), S.bold);
  if (iv.totals.expensesCents > 0) pen.text(m.expenses(f.money(iv.totals.expensesCents)));
  pen.gap();
}

export function drawRemoteActions(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  const ra = r.remoteActions;
  if (!ra) return;
  pen.heading(m.remoteTitle);
  if (ra.total === 0) {
    pen.none(m.noRemote);
    return;
  }
  pen.text(m.remoteLine(ra.total, ra.refused));
  pen.table(
    [
      { label: m.remoteColumns[0]!, share: 0.18 },
      { label: m.remoteColumns[1]!, share: 0.18 },
      { label: m.remoteColumns[2]!, share: 0.28 },
      { label: m.remoteColumns[3]!, share: 0.16 },
      { label: m.remoteColumns[4]!, share: 0.2 },
    ],
    ra.rows.map((x) => [
      f.dateTime(x.at),
      x.hostname,
      x.script ? `${m.remoteAction.script ?? 'Script'} ${x.script}` : (m.remoteAction[x.action] ?? x.action),
      x.by,
      `${m.remoteState[x.state] ?? x.state}${x.exitCode !== null && x.state !== 'succeeded' ? ` (${x.exitCode})` : ''}`,
    ]),
  );
  if (ra.more > 0) pen.text(m.andMore(ra.more), S.small);
  pen.gap();
}

export function drawBackups(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  pen.heading(m.sections.backups);
  if (r.backups.length === 0) {
    pen.none(m.noBackups);
    return;
  }
  pen.table(
    [
      { label: m.backupColumns[0]!, share: 0.18 },
      { label: m.backupColumns[1]!, share: 0.22 },
      { label: m.backupColumns[2]!, share: 0.13, align: 'right' },
      { label: m.backupColumns[3]!, share: 0.14, align: 'right' },
      { label: m.backupColumns[4]!, share: 0.17 },
      { label: m.backupColumns[5]!, share: 0.16, align: 'right' },
    ],
    r.backups.map((b) => [
      b.hostname,
      b.target,
      `${f.pct(b.okPct)} (${b.okRuns}/${b.runs})`,
      String(b.restorePoints),
      b.lastSuccessAt === null ? m.notAvailable : f.dateTime(b.lastSuccessAt),
      `${f.duration(b.longestGapMs)}${b.gapAtEnd ? ' *' : ''}`,
    ]),
  );
  pen.text(m.backupHow, S.small);
  pen.gap();
}

function drawCompliance(pen: Pen, c: ComplianceSection, none: string, perTarget: boolean): void {
  const { m, f } = pen;
  if (c.devicesReporting === 0) {
    pen.none(none);
    return;
  }
  pen.text(m.complianceLine(c.devicesCompliant, c.devicesReporting, f.pct(c.okPct)), S.bold);
  if (c.devicesSilent > 0) pen.text(m.silent(c.devicesSilent));
  pen.gap(4);
  if (perTarget) {
    pen.table(
      [
        { label: m.targetColumns[0]!, share: 0.5 },
        { label: m.targetColumns[1]!, share: 0.25, align: 'right' },
        { label: m.targetColumns[2]!, share: 0.25, align: 'right' },
      ],
      c.targets.map((t) => [m.target[t.target] ?? t.target, String(t.reporting), `${t.compliant} (${f.pct(pct(t.compliant, t.reporting))})`]),
    );
  }
  if (c.findings.length === 0) {
    pen.none(m.allCompliant);
    return;
  }
  pen.table(
    [
      { label: m.findingColumns[0]!, share: 0.18 },
      { label: m.findingColumns[1]!, share: 0.18 },
      { label: m.findingColumns[2]!, share: 0.1 },
      { label: m.findingColumns[3]!, share: 0.54 },
    ],
    c.findings.map((x) => [x.hostname, m.target[x.target] ?? x.target, m.checkStatus[x.status] ?? x.status, x.text?.[f.lang] ?? x.message]),
  );
}

export function drawAntivirusAndSecurity(pen: Pen, r: MonthlyReport): void {
  pen.heading(pen.m.sections.antivirus);
  drawCompliance(pen, r.antivirus, pen.m.noAntivirus, false);
  pen.heading(pen.m.sections.security);
  drawCompliance(pen, r.security, pen.m.noSecurity, true);
}

function drawInventoryKind(pen: Pen, title: string, k: InventoryKindFigure): void {
  const { m, f } = pen;
  if (k.added + k.removed + k.changed === 0) return;
  pen.subheading(title);
  pen.text(m.inventoryLine(k.added, k.removed, k.changed));
  pen.gap(3);
  if (k.items.length === 0) return;
  pen.table(
    [
      { label: m.inventoryColumns[0]!, share: 0.12 },
      { label: m.inventoryColumns[1]!, share: 0.2 },
      { label: m.inventoryColumns[2]!, share: 0.14 },
      { label: m.inventoryColumns[3]!, share: 0.54 },
    ],
    k.items.map((x) => [f.date(parisDate(x.at)), x.hostname, m.change[x.change] ?? x.change, x.item]),
  );
  if (k.more > 0) pen.text(m.andMore(k.more), S.small);
}

export function drawInventory(pen: Pen, r: MonthlyReport): void {
  const { m } = pen;
  const inv = r.inventory;
  pen.heading(m.sections.inventory);
  const any =
    inv.newDevices.length +
    (inv.delivered?.length ?? 0) +
    inv.hardware.added +
    inv.hardware.removed +
    inv.hardware.changed +
    inv.software.added +
    inv.software.removed +
    inv.software.changed;
  if (any === 0) {
    pen.none(m.noInventory);
    return;
  }
  if (inv.newDevices.length > 0) pen.text(m.newDevices(inv.newDevices.map((d) => d.hostname).join(', ')));
  drawDelivered(pen, inv.delivered ?? []);
  drawInventoryKind(pen, m.hardware, inv.hardware);
  drawInventoryKind(pen, m.software, inv.software);
  pen.gap();
}

/** Contract 2.4: what the provider delivered in the month, and the device each item became once supervised. */
function drawDelivered(pen: Pen, items: NonNullable<MonthlyReport['inventory']['delivered']>): void {
  const { m, f } = pen;
  if (items.length === 0) return;
  pen.subheading(m.delivered);
  pen.table(
    [
      { label: m.deliveredColumns[0]!, share: 0.14 },
      { label: m.deliveredColumns[1]!, share: 0.42 },
      { label: m.deliveredColumns[2]!, share: 0.22 },
      { label: m.deliveredColumns[3]!, share: 0.22 },
    ],
    items.map((x) => [f.date(x.deliveredOn), x.description, x.serial ?? '', x.hostname ?? m.notYetSeen]),
  );
}

export function drawWarranties(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  const w = r.warranties;
  pen.heading(m.sections.warranties);
  if (w.items.length === 0) {
    pen.none(m.noWarranties(f.date(w.from), f.date(w.to)));
    return;
  }
  pen.text(m.warrantyIntro(f.date(w.from), f.date(w.to)));
  pen.gap(3);
  pen.table(
    [
      { label: m.warrantyColumns[0]!, share: 0.46 },
      { label: m.warrantyColumns[1]!, share: 0.2 },
      { label: m.warrantyColumns[2]!, share: 0.14 },
      { label: m.warrantyColumns[3]!, share: 0.2 },
    ],
    w.items.map((x) => [x.description, x.serial ?? '', f.date(x.deliveredOn), `${f.date(x.warrantyEnd)}${x.ended ? ` (${m.warrantyEnded})` : ''}`]),
  );
}

export function drawFlows(pen: Pen, flows: FlowSummary | null): void {
  const { m, f } = pen;
  pen.heading(m.sections.flows);
  if (!flows || flows.totalFlows === 0) {
    pen.none(m.noFlows);
    return;
  }
  pen.text(m.flowsLine(f.bytes(flows.totalBytes), f.integer(flows.totalFlows), flows.exporters), S.bold);
  pen.gap(4);
  if (flows.byDay.length > 0) {
    groupedColumns(
      pen.flow,
      m.flowChart,
      [{ name: m.flowChart, color: OPENED_COLOR }],
      flows.byDay.map((d) => ({ label: d.date.slice(8, 10), values: [d.bytes] })),
      100,
      (v) => f.bytes(v),
    );
  }
  if (flows.topHosts.length > 0)
    pen.table(
      [
        { label: m.flowHosts[0]!, share: 0.5 },
        { label: m.flowHosts[1]!, share: 0.25, align: 'right' },
        { label: m.flowHosts[2]!, share: 0.25, align: 'right' },
      ],
      flows.topHosts.map((h) => [h.hostname ? `${h.hostname} (${h.address})` : h.address, f.bytes(h.bytesIn), f.bytes(h.bytesOut)]),
    );
  if (flows.topServices.length > 0)
    pen.table(
      [
        { label: m.flowServices[0]!, share: 0.7 },
        { label: m.flowServices[1]!, share: 0.3, align: 'right' },
      ],
      flows.topServices.map((s) => [s.label ?? `${s.protocol}${s.port === null ? '' : `/${s.port}`}`, f.bytes(s.bytes)]),
    );
  if (flows.topDestinations.length > 0)
    pen.table(
      [
        { label: m.flowDestinations[0]!, share: 0.7 },
        { label: m.flowDestinations[1]!, share: 0.3, align: 'right' },
      ],
      flows.topDestinations.map((d) => [d.name ? `${d.name} (${d.address})` : d.address, f.bytes(d.bytes)]),
    );
}
