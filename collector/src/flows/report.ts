import { daysInMonth, PARIS_TIME_ZONE } from '@vigie/shared';
import PDFDocument from 'pdfkit';
import { type Column, Flow, type Line, type TextStyle } from '../billing/pdf-layout.js';
import type { FlowView } from './service.js';

export type ReportLocale = 'fr' | 'en';

export interface FlowReportSite {
  name: string;
  view: FlowView;
  /** Bytes per Paris day of the month. */
  daily: { day: string; bytes: number }[];
}

export interface FlowReportData {
  clientName: string;
  /** 'YYYY-MM'. */
  month: string;
  generatedOn: string;
  sites: FlowReportSite[];
}

const M = {
  fr: {
    title: 'Rapport mensuel des flux réseau',
    period: 'Période',
    site: 'Site',
    noData: 'Aucun flux reçu pour ce site sur la période : aucun équipement du site n’exporte de NetFlow/IPFIX vers un agent Vigie.',
    volume: 'Volume total',
    inbound: 'Entrant',
    outbound: 'Sortant',
    internal: 'Interne',
    peak: 'Pointe',
    perDay: 'Volume par jour',
    interfaces: 'Interfaces (d’après les exports de flux)',
    ifName: 'Interface',
    in: 'Entrée',
    out: 'Sortie',
    peakIn: 'Pointe entrée',
    peakOut: 'Pointe sortie',
    saturation: 'Saturation',
    sources: '10 premiers émetteurs',
    destinations: '10 premiers destinataires',
    apps: 'Applications',
    host: 'Hôte',
    app: 'Application',
    bytes: 'Octets',
    packets: 'Paquets',
    flows: 'Flux',
    totals: 'Paquets et flux',
    peakNote: 'débit de la minute la plus chargée',
    share: 'Part',
    other: 'autres',
    colon: ' : ',
    generated: 'Généré le',
    page: 'Page',
  },
  en: {
    title: 'Monthly network flow report',
    period: 'Period',
    site: 'Site',
    noData: 'No flows received for this site in the period: no device of the site exports NetFlow/IPFIX to a Vigie agent.',
    volume: 'Total volume',
    inbound: 'Inbound',
    outbound: 'Outbound',
    internal: 'Internal',
    peak: 'Peak',
    perDay: 'Volume per day',
    interfaces: 'Interfaces (from the flow exports)',
    ifName: 'Interface',
    in: 'In',
    out: 'Out',
    peakIn: 'Peak in',
    peakOut: 'Peak out',
    saturation: 'Saturation',
    sources: 'Top 10 sources',
    destinations: 'Top 10 destinations',
    apps: 'Applications',
    host: 'Host',
    app: 'Application',
    bytes: 'Bytes',
    packets: 'Packets',
    flows: 'Flows',
    totals: 'Packets and flows',
    peakNote: 'rate of the busiest minute',
    share: 'Share',
    other: 'other',
    colon: ': ',
    generated: 'Generated on',
    page: 'Page',
  },
} as const;

const H1: TextStyle = { font: 'Helvetica-Bold', size: 16, color: '#1f3a5f' };
const H2: TextStyle = { font: 'Helvetica-Bold', size: 12, color: '#1f3a5f' };
const BODY: TextStyle = { font: 'Helvetica', size: 9, color: '#222222' };
const SMALL: TextStyle = { font: 'Helvetica', size: 8, color: '#555555' };
const BOLD: TextStyle = { font: 'Helvetica-Bold', size: 8, color: '#222222' };

/** 1 234 567 890 → "1,23 Go" (fr) / "1.23 GB" (en), decimal units as network people count. */
export function formatBytes(n: number, locale: ReportLocale): string {
  const units = locale === 'fr' ? ['o', 'ko', 'Mo', 'Go', 'To'] : ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: i === 0 ? 0 : 2 }).format(v)} ${units[i]}`;
}

export function formatBps(n: number, locale: ReportLocale): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 }).format(v)} ${units[i]}`;
}

const parisDateTime = (ms: number, locale: ReportLocale) =>
  new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: PARIS_TIME_ZONE, dateStyle: 'short', timeStyle: 'short' }).format(ms);

/**
 * The monthly flow report of a client (contract 2.3, "rapports mensuels détaillés"): per site,
 * volume per day and direction, interfaces with peaks and saturation, top talkers and applications.
 * Vector charts, standard fonts, deterministic output for the same data.
 */
export function renderFlowReport(data: FlowReportData, locale: ReportLocale = 'fr'): Promise<Buffer> {
  const t = M[locale];
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 40, left: 40, right: 40, bottom: 20 },
    autoFirstPage: true,
    bufferPages: true,
    info: { Title: `${t.title} ${data.month}`, Author: 'Vigie', CreationDate: new Date(`${data.generatedOn}T00:00:00Z`) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const flow = new Flow(doc, { left: 40, right: doc.page.width - 40, top: 40, bottom: doc.page.height - 50 });
  const line = (text: string, style = BODY): Line[] => flow.lines(text, style, flow.width);
  const cell = (text: string, width: number, style = BODY): Line[] => flow.lines(text, style, width - 6);

  flow.paragraph(line(t.title, H1));
  flow.paragraph(line(`${data.clientName} — ${t.period}${t.colon}${data.month}`, H2));
  flow.y += 8;

  for (const s of data.sites) {
    flow.ensure(120);
    flow.rule();
    flow.y += 4;
    flow.paragraph(line(`${t.site}${t.colon}${s.name}`, H2));
    const sum = s.view.summary;
    if (!sum || sum.total.bytes === 0) {
      flow.paragraph(line(t.noData, SMALL));
      flow.y += 10;
      continue;
    }
    const d = sum.direction;
    flow.paragraph(
      line(
        `${t.volume}${t.colon}${formatBytes(sum.total.bytes, locale)} — ${t.inbound} ${formatBytes(d.inbound.bytes, locale)}, ${t.outbound} ${formatBytes(d.outbound.bytes, locale)}, ${t.internal} ${formatBytes(d.internal.bytes, locale)}`,
      ),
    );
    const count = (n: number) => new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB').format(n);
    flow.paragraph(line(`${t.totals}${t.colon}${count(sum.total.packets)} ${t.packets.toLowerCase()}, ${count(sum.total.flows)} ${t.flows.toLowerCase()}`));
    if (s.view.peak) flow.paragraph(line(`${t.peak}${t.colon}${formatBps(s.view.peak.bps, locale)}, ${t.peakNote} (${parisDateTime(s.view.peak.t, locale)})`));
    flow.y += 6;

    // Volume per day: one bar per day, scaled on the busiest.
    flow.paragraph(line(t.perDay, BOLD));
    const chartH = 90;
    flow.ensure(chartH + 24);
    const max = Math.max(1, ...s.daily.map((x) => x.bytes));
    const days = daysInMonth(data.month);
    const barW = flow.width / days;
    const top = flow.y;
    doc.save();
    doc
      .lineWidth(0.5)
      .strokeColor('#c8c8c8')
      .moveTo(flow.frame.left, top + chartH)
      .lineTo(flow.frame.right, top + chartH)
      .stroke();
    for (let day = 1; day <= days; day++) {
      const key = `${data.month}-${String(day).padStart(2, '0')}`;
      const v = s.daily.find((x) => x.day === key)?.bytes ?? 0;
      const h = (v / max) * chartH;
      const x = flow.frame.left + (day - 1) * barW;
      if (h > 0) doc.rect(x + barW * 0.15, top + chartH - h, barW * 0.7, h).fill('#3b6ea5');
      if (day === 1 || day % 5 === 0)
        doc
          .font('Helvetica')
          .fontSize(6)
          .fillColor('#555555')
          .text(String(day), x, top + chartH + 2, { width: barW, align: 'center', lineBreak: false });
    }
    doc
      .font('Helvetica')
      .fontSize(6)
      .fillColor('#555555')
      .text(formatBytes(max, locale), flow.frame.left, top - 1, { lineBreak: false });
    doc.restore();
    flow.y = top + chartH + 14;

    if (s.view.interfaces.length > 0) {
      flow.paragraph(line(t.interfaces, BOLD));
      const cols: Column[] = [
        { width: 150, align: 'left' },
        { width: 70, align: 'right' },
        { width: 70, align: 'right' },
        { width: 77, align: 'right' },
        { width: 77, align: 'right' },
        { width: flow.width - 444, align: 'right' },
      ];
      const header = [t.ifName, t.in, t.out, t.peakIn, t.peakOut, t.saturation].map((h, i) => cell(h, cols[i]!.width, BOLD));
      flow.table(
        cols,
        header,
        s.view.interfaces
          .slice(0, 30)
          .map((i) =>
            [
              `${i.name ?? `#${i.index}`} (${i.exporter})`,
              formatBytes(i.inBytes, locale),
              formatBytes(i.outBytes, locale),
              formatBps(i.peakInBps, locale),
              formatBps(i.peakOutBps, locale),
              i.saturationPct === null
                ? '—'
                : `${new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 }).format(i.saturationPct)} %`,
            ].map((v, k) => cell(v, cols[k]!.width)),
          ),
      );
      flow.y += 6;
    }

    const total = sum.total.bytes;
    const pct = (b: number) => `${new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 }).format((b / total) * 100)} %`;
    const topTable = (
      title: string,
      keyTitle: string,
      rows: { key: string; bytes: number; packets: number; flows: number }[],
      other: { bytes: number; packets: number; flows: number },
    ) => {
      flow.ensure(60);
      flow.paragraph(line(title, BOLD));
      const cols: Column[] = [
        { width: flow.width - 280, align: 'left' },
        { width: 75, align: 'right' },
        { width: 70, align: 'right' },
        { width: 70, align: 'right' },
        { width: 65, align: 'right' },
      ];
      const row = (key: string, v: { bytes: number; packets: number; flows: number }, style = BODY) => [
        cell(key, cols[0]!.width, style),
        cell(formatBytes(v.bytes, locale), 75, style),
        cell(count(v.packets), 70, style),
        cell(count(v.flows), 70, style),
        cell(pct(v.bytes), 65, style),
      ];
      const body = rows.map((r) => row(r.key, r));
      if (other.bytes > 0) body.push(row(`(${t.other})`, other, SMALL));
      flow.table(
        cols,
        [keyTitle, t.bytes, t.packets, t.flows, t.share].map((h, i) => cell(h, cols[i]!.width, BOLD)),
        body,
      );
      flow.y += 6;
    };
    /** A host by the name the client's inventory gives it, with its address. */
    const hostKey = (h: { host: string; name?: string }) => (h.name ? `${h.name} (${h.host})` : h.host);
    const rest = (list: { bytes: number; packets: number; flows: number }[]) => ({
      bytes: total - list.reduce((a, x) => a + x.bytes, 0),
      packets: sum.total.packets - list.reduce((a, x) => a + x.packets, 0),
      flows: sum.total.flows - list.reduce((a, x) => a + x.flows, 0),
    });
    const sources = sum.topSources.slice(0, 10);
    topTable(
      t.sources,
      t.host,
      sources.map((h) => ({ key: hostKey(h), bytes: h.bytes, packets: h.packets, flows: h.flows })),
      rest(sources),
    );
    const destinations = sum.topDestinations.slice(0, 10);
    topTable(
      t.destinations,
      t.host,
      destinations.map((h) => ({ key: hostKey(h), bytes: h.bytes, packets: h.packets, flows: h.flows })),
      rest(destinations),
    );
    const apps = sum.services.slice(0, 10);
    topTable(
      t.apps,
      t.app,
      apps.map((x) => ({ key: x.service, bytes: x.bytes, packets: x.packets, flows: x.flows })),
      rest(apps),
    );
  }

  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    doc
      .font('Helvetica')
      .fontSize(7)
      .fillColor('#777777')
      .text(`${t.generated} ${data.generatedOn} — ${t.page} ${i + 1} / ${range.count}`, 40, doc.page.height - 35, {
        width: doc.page.width - 80,
        align: 'right',
        lineBreak: false,
      });
  }
  doc.end();
  return done;
}
