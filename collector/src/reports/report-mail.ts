import type { MonthlyReport, ReportLang } from './report-data.js';
import { formatters, MESSAGES } from './report-messages.js';

/** ASCII file-name piece: "Acme SARL" → "acme-sarl". */
export function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'client'
  );
}

export function reportFilename(r: Pick<MonthlyReport, 'clientName' | 'month'>, lang: ReportLang): string {
  return `${lang === 'fr' ? 'rapport-activite' : 'activity-report'}-${r.month}-${slug(r.clientName)}.pdf`;
}

/** The covering mail: the month's headline figures, the PDF attached, a pointer to the portal. */
export function reportMail(r: MonthlyReport, lang: ReportLang, publicUrl?: string): { subject: string; text: string; filename: string } {
  const m = MESSAGES[lang];
  const f = formatters(lang);
  const month = f.month(r.month);
  const s = r.supervision;
  const t = r.tickets;
  const portal = publicUrl ? `${publicUrl.replace(/\/+$/, '')}/#/reports` : undefined;
  const sign = r.provider ?? 'Vigie';
  const text =
    lang === 'fr'
      ? [
          'Bonjour,',
          '',
          `Veuillez trouver ci-joint le rapport d'activité de ${month.toLowerCase()} pour ${r.clientName}.`,
          '',
          `- Disponibilité des équipements supervisés : ${f.pct(s.availability.clientPct)}`,
          `- Incidents : ${s.incidents.total} ; tickets ouverts : ${t.opened}, résolus : ${t.resolved}`,
          `- Délais contractuels respectés : ${f.pct(t.sla.compliancePct)}`,
          `- Interventions : ${r.interventions.totals.count} (${f.money(r.interventions.totals.amountCents)} HT)`,
          '',
          portal
            ? `Vos rapports des deux dernières années restent disponibles sur le portail : ${portal}`
            : 'Vos rapports des deux dernières années restent disponibles sur le portail.',
          '',
          'Cordialement,',
          sign,
        ]
      : [
          'Hello,',
          '',
          `Please find attached the activity report for ${month} for ${r.clientName}.`,
          '',
          `- Availability of monitored devices: ${f.pct(s.availability.clientPct)}`,
          `- Incidents: ${s.incidents.total}; tickets opened: ${t.opened}, resolved: ${t.resolved}`,
          `- Contractual deadlines met: ${f.pct(t.sla.compliancePct)}`,
          `- Interventions: ${r.interventions.totals.count} (${f.money(r.interventions.totals.amountCents)} excl. VAT)`,
          '',
          portal
            ? `Your reports of the last two years remain available on the portal: ${portal}`
            : 'Your reports of the last two years remain available on the portal.',
          '',
          'Best regards,',
          sign,
        ];
  return { subject: `${m.title} \u2014 ${month} \u2014 ${r.clientName}`, text: text.join('\n'), filename: reportFilename(r, lang) };
}
