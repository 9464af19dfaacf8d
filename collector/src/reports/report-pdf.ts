/**
 * The monthly activity report as a PDF (A4, standard Helvetica, WinAnsi-safe text through the
 * billing PDF layout), drawn from the frozen report data and nothing else: the same data renders
 * the same bytes, in French or in English.
 */
import PDFDocument from 'pdfkit';
import { Flow, type Frame } from '../billing/pdf-layout.js';
import { tiles } from './report-charts.js';
import type { MonthlyReport, ReportLang } from './report-data.js';
import { formatters, MESSAGES } from './report-messages.js';
import { Pen, S } from './report-pen.js';
import { drawPatches } from './report-section-patches.js';
import {
  drawAntivirusAndSecurity,
  drawBackups,
  drawFlows,
  drawInterventions,
  drawInventory,
  drawRemoteActions,
  drawSupervision,
  drawTickets,
  drawWarranties,
} from './report-sections.js';
import { drawSummary } from './report-summary.js';

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const FOOTER_HEIGHT = 22;
const FRAME: Frame = { left: MARGIN, right: A4.width - MARGIN, top: MARGIN, bottom: A4.height - MARGIN - FOOTER_HEIGHT };

export interface RenderedReport {
  pdf: Buffer;
  pages: number;
}

export interface RenderOptions {
  /** The provider's logo (PNG or JPEG, billing settings), drawn above its name. */
  logo?: Buffer | undefined;
}

export async function renderReportPdf(report: MonthlyReport, lang: ReportLang = 'fr', opts: RenderOptions = {}): Promise<RenderedReport> {
  const m = MESSAGES[lang];
  const f = formatters(lang);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: lang === 'fr' ? 'fr-FR' : 'en-GB',
    displayTitle: true,
    info: {
      Title: `${m.title} - ${report.clientName} - ${f.month(report.month)}`,
      Subject: `${m.title} ${report.month}`,
      Author: report.provider ?? 'Vigie',
      Creator: 'Vigie',
      Producer: 'Vigie',
      CreationDate: new Date(report.generatedAt),
    },
  });
  return new Promise<RenderedReport>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let pages = 0;
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve({ pdf: Buffer.concat(chunks), pages }));
    doc.on('error', reject);
    try {
      const pen = new Pen(new Flow(doc, FRAME), m, f);
      drawHeader(pen, report, opts.logo);
      drawKeyFigures(pen, report);
      // The first page is the month in short; the detail starts on the next one.
      drawSummary(pen, report);
      pen.flow.newPage();
      drawSupervision(pen, report);
      drawTickets(pen, report);
      drawInterventions(pen, report);
      drawRemoteActions(pen, report);
      drawBackups(pen, report);
      drawAntivirusAndSecurity(pen, report);
      drawPatches(pen, report);
      drawInventory(pen, report);
      drawWarranties(pen, report);
      drawFlows(pen, report.flows);
      pages = drawFooters(pen, report);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

const LOGO_HEIGHT = 44;

/** Provider (logo, name, identity) on the left; title, month, client and period on the right; a rule under both. */
function drawHeader(pen: Pen, r: MonthlyReport, logo?: Buffer): void {
  const { flow, m, f } = pen;
  const leftW = flow.width * 0.4;
  const rightX = flow.frame.left + flow.width * 0.42;
  const rightW = flow.frame.right - rightX;
  const id = r.providerIdentity;
  let logoSpace: { text: string; style: typeof S.small; height: number }[] = [];
  if (logo) {
    try {
      flow.doc.image(logo, flow.frame.left, flow.y, { fit: [leftW, LOGO_HEIGHT] });
      logoSpace = [{ text: '', style: S.small, height: LOGO_HEIGHT + 4 }];
    } catch (err) {
      // A picture pdfkit cannot read (checked as PNG/JPEG on upload, yet damaged): the name alone.
      console.warn('report logo not drawn:', err instanceof Error ? err.message : err);
    }
  }
  const identity = id
    ? [...id.address, ...(id.siren ? [`SIREN ${id.siren}`] : []), [id.email, id.phone].filter(Boolean).join(' \u00b7 ')].filter((x) => x !== '')
    : [];
  const left = [
    ...logoSpace,
    ...flow.lines(id?.name ?? r.provider ?? 'Vigie', S.provider, leftW),
    ...identity.flatMap((line) => flow.lines(line, S.small, leftW)),
    ...flow.lines(m.provider, S.small, leftW),
  ];
  const right = [
    ...flow.lines(m.title, S.title, rightW),
    ...flow.lines(f.month(r.month), S.month, rightW),
    ...flow.lines(`${m.client}${m.colon}${r.clientName}`, S.bold, rightW),
    ...flow.lines(`${m.period}${m.colon}${m.periodRange(f.date(r.period.firstDay), f.date(r.period.lastDay))}`, S.body, rightW),
    ...flow.lines(r.partial ? m.partial(f.dateTime(r.generatedAt)) : m.generated(f.dateTime(r.generatedAt)), S.small, rightW),
  ];
  flow.columns([
    { x: flow.frame.left, width: leftW, lines: left },
    { x: rightX, width: rightW, lines: right, align: 'right' },
  ]);
  flow.y += 6;
  flow.doc.rect(flow.frame.left, flow.y, flow.width, 2).fill('#1f3a5f');
  flow.y += 14;
}

function drawKeyFigures(pen: Pen, r: MonthlyReport): void {
  const { m, f } = pen;
  const s = r.supervision;
  const t = r.tickets;
  const iv = r.interventions.totals;
  tiles(pen.flow, [
    { caption: m.keyFigures.availability, value: f.pct(s.availability.clientPct), detail: m.devices(s.devices.total, 0) },
    {
      caption: m.keyFigures.incidents,
      value: String(s.incidents.total),
      detail: `${s.incidents.bySeverity.critical} ${m.priority.critical?.toLowerCase()}`,
    },
    { caption: m.keyFigures.tickets, value: `${t.opened} / ${t.resolved}`, detail: `${t.openAtEnd} ${m.status.in_progress?.toLowerCase()}` },
    { caption: m.keyFigures.sla, value: f.pct(t.sla.compliancePct), detail: `${t.sla.met} / ${t.sla.withDeadline}` },
    { caption: m.keyFigures.interventions, value: f.money(iv.amountCents), detail: f.minutes(iv.billedMinutes) },
  ]);
}

/** Client and month on the left, "Page n / N" on the right, on every page once all exist. */
function drawFooters(pen: Pen, r: MonthlyReport): number {
  const { flow, m, f } = pen;
  const { doc, frame } = flow;
  const range = doc.bufferedPageRange();
  const y = frame.bottom + FOOTER_HEIGHT - S.footer.size;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const [ref] = flow.lines(`${r.clientName} \u2014 ${m.title} \u2014 ${f.month(r.month)}`, S.footer, (flow.width * 2) / 3);
    const [page] = flow.lines(m.page(i - range.start + 1, range.count), S.footer, flow.width / 3);
    if (ref) flow.drawLine(ref, frame.left, y, (flow.width * 2) / 3);
    if (page) flow.drawLine(page, frame.left + (flow.width * 2) / 3, y, flow.width / 3, 'right');
  }
  return range.count;
}
