/** The report's first page (issue 18, point 11): the month's highlights and the technician's word, before the detail. */
import { parisDate } from '@vigie/shared';
import type { MonthlyReport } from './report-data.js';
import { type Pen, S } from './report-pen.js';

/** Sentences for what stood out in the month, from the report's own figures (what needs attention first). */
export function highlights(r: MonthlyReport, pen: Pick<Pen, 'm' | 'f'>): string[] {
  const { m, f } = pen;
  const out: string[] = [];
  const s = r.supervision;
  if (s.availability.clientPct !== null) out.push(m.hAvailability(f.pct(s.availability.clientPct)));
  out.push(m.hIncidents(s.incidents.total, s.incidents.bySeverity.critical));
  if (r.tickets.sla.withDeadline > 0) out.push(m.hSla(f.pct(r.tickets.sla.compliancePct), r.tickets.sla.met, r.tickets.sla.withDeadline));
  if (r.tickets.openAtEnd > 0) out.push(m.hOpen(r.tickets.openAtEnd));
  const backups = r.backups.filter((b) => b.statusAtEnd !== 'ok').length;
  if (backups > 0) out.push(m.hBackups(backups));
  const antivirus = new Set(r.antivirus.findings.map((x) => x.deviceId)).size;
  if (antivirus > 0) out.push(m.hAntivirus(antivirus));
  if (r.security.findings.length > 0) out.push(m.hSecurity(r.security.findings.length));
  const ending = r.warranties.items.filter((w) => !w.ended).length;
  if (ending > 0) out.push(m.hWarranties(ending));
  if (r.inventory.newDevices.length > 0) out.push(m.hNewDevices(r.inventory.newDevices.length));
  if ((r.inventory.delivered?.length ?? 0) > 0) out.push(m.hDelivered(r.inventory.delivered!.length));
  if ((r.remoteActions?.total ?? 0) > 0) out.push(m.hRemote(r.remoteActions!.total));
  return out;
}

export function drawSummary(pen: Pen, r: MonthlyReport): void {
  const { m, f, flow } = pen;
  pen.subheading(m.summaryTitle);
  pen.gap(2);
  pen.subheading(m.highlightsTitle);
  for (const h of highlights(r, pen)) {
    const lines = flow.lines(h, S.body, flow.width - 12);
    flow.ensure(lines[0]?.height ?? 12);
    const [bullet] = flow.lines('\u2022', S.body, 10);
    if (bullet) flow.drawLine(bullet, flow.frame.left + 2, flow.y, 10);
    flow.paragraph(lines, flow.frame.left + 12, flow.width - 12);
    flow.y += 2;
  }
  pen.gap(8);
  pen.subheading(m.commentTitle);
  if (!r.comment) {
    pen.none(m.noComment);
    return;
  }
  for (const para of r.comment.text.split(/\n+/)) {
    pen.text(para);
    pen.gap(3);
  }
  const when = f.date(parisDate(r.comment.updatedAt));
  pen.text(r.comment.authorName ? m.commentBy(r.comment.authorName, when) : m.commentByUnknown(when), S.note);
}
