import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowSummary } from './report-data.js';
import { reportMail } from './report-mail.js';
import { renderReportPdf } from './report-pdf.js';
import { sampleReport } from './testdata/sample-report.js';

/** pdftotext -layout, with every kind of space folded into one. */
function text(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-report-'));
  try {
    writeFileSync(join(dir, 'r.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(/[\s\u00a0\u202f]+/g, ' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('monthly report PDF', () => {
  it('prints every section of a filled month in French, with fr-FR money and Paris dates', async () => {
    const { pdf, pages } = await renderReportPdf(sampleReport());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pages).toBeGreaterThanOrEqual(2);
    const t = text(pdf);
    for (const s of [
      "Rapport d'activité mensuel",
      'Octobre 2026',
      'Client : Acme SARL',
      'du 01/10/2026 au 31/10/2026',
      'Établi le 01/11/2026 06:00', // 05:00 UTC is 06:00 in Paris (winter time)
      '1. Supervision',
      'pc-direction (Agence Grenoble) 80,12 %',
      'Siège Lyon 2 99,74 %',
      '3 incidents : 1 critique, 2 alertes',
      'Délai de prise en charge 2 25 min 25 min',
      '6 ouverts, 5 résolus, 2 clôturés ; 1 en cours en fin de période',
      'Délais contractuels respectés : 75 %',
      'Tickets par semaine',
      'sem. du 26/10',
      '#13 21/10/2026 20:00 Messagerie lente E-mail Haute En cours Dépassé',
      '… et 3 autres',
      '3 interventions : 4 h 30 réalisées, 6 h 45 facturées, 748,00 € HT',
      'Frais de déplacement, repas et hébergement : 63,00 € HT',
      '12/10/2026 #12 Disque plein sur srv-fichiers Urgente sur site 1 h 30',
      'pc-compta-01 dump compta 50 % (350/700) 12',
      '2 équipements conformes sur 3 en fin de période ; 91,5 % des contrôles de la période conformes',
      'Chiffrement du disque 2 1 (50 %)',
      'Nouveaux équipements : pc-direction',
      'srv-fichiers Ajout WD Red 4TB (WD-1234)',
      '2 ajouts, 1 retrait, 14 modifications (mises à jour)',
      '19/10/2026 (échue)',
      'Aucune donnée de flux réseau pour la période',
      '1 équipement à jour sur 3 en fin de période',
      '1 avec des mises à jour en attente depuis moins de 30 jours, 1 en attente depuis plus de 30 jours',
      '1 équipement en attente de redémarrage pour terminer des mises à jour',
      '42 mises à jour appliquées pendant la période, dont 7 de sécurité, sur 2 équipements',
      'srv-fichiers 12 3 2 22/08/2026 oui',
      'Page 1 / ',
    ])
      expect(t).toContain(s);
    // pdftotext drops some no-break spaces between a number and its unit: compare those without spaces.
    const squeezed = t.replace(/ /g, '');
    for (const s of ['1×½j440,00€', 'Délaiderésolution25h5h', '14j8h*', '2j1h']) expect(squeezed).toContain(s);
  });

  it('speaks English on request, from the same data', async () => {
    const t = text((await renderReportPdf(sampleReport(), 'en')).pdf);
    for (const s of [
      'Monthly activity report',
      'October 2026',
      '01 Oct 2026 to 31 Oct 2026',
      '€748.00',
      'Time to acknowledge',
      'No network flow data for the period',
      '1 of 3 devices up to date at the end of the period',
      '42 updates applied during the period, 7 of them for security, on 2 devices',
      'Over 30 days',
    ])
      expect(t).toContain(s);
  });

  it('the same data renders the same bytes', async () => {
    const a = await renderReportPdf(sampleReport());
    const b = await renderReportPdf(sampleReport());
    expect(a.pdf.equals(b.pdf)).toBe(true);
  });

  it('says so for every section with no data', async () => {
    const empty = sampleReport({
      supervision: {
        devices: { total: 0, byPlatform: {}, enrolledInMonth: 0 },
        availability: { resolution: '5m', clientPct: null, devices: [], sites: [] },
        incidents: {
          total: 0,
          bySeverity: { critical: 0, warning: 0 },
          suppressed: 0,
          openAtEnd: 0,
          acknowledge: { count: 0, meanMs: null, medianMs: null },
          resolve: { count: 0, meanMs: null, medianMs: null },
        },
      },
      tickets: {
        opened: 0,
        openedByChannel: {},
        resolved: 0,
        closed: 0,
        openAtEnd: 0,
        sla: { withDeadline: 0, met: 0, missed: 0, breached: 0, compliancePct: null },
        acknowledge: { count: 0, meanMs: null, medianMs: null },
        resolve: { count: 0, meanMs: null, medianMs: null },
        perWeek: [],
        list: [],
        more: 0,
      },
      interventions: { rows: [], totals: { count: 0, minutes: 0, billedMinutes: 0, amountCents: 0, expensesCents: 0 } },
      backups: [],
      antivirus: { devicesReporting: 0, devicesCompliant: 0, okPct: null, targets: [], findings: [], devicesSilent: 0 },
      security: { devicesReporting: 0, devicesCompliant: 0, okPct: null, targets: [], findings: [], devicesSilent: 0 },
      inventory: {
        newDevices: [],
        hardware: { added: 0, removed: 0, changed: 0, items: [], more: 0 },
        software: { added: 0, removed: 0, changed: 0, items: [], more: 0 },
      },
      warranties: { from: '2026-10-01', to: '2027-01-29', items: [] },
      patches: {
        days: 30,
        devices: 0,
        upToDate: 0,
        pending: 0,
        overdue: 0,
        unknown: 0,
        rebootPending: 0,
        withSecurity: 0,
        applied: { updates: 0, security: 0, devices: 0 },
        behind: [],
        more: 0,
      },
    });
    const { pdf, pages } = await renderReportPdf(empty);
    expect(pages).toBe(2); // the summary page, then the detail
    const t = text(pdf);
    for (const s of [
      'Synthèse du mois',
      'Pas de commentaire du technicien pour ce mois.',
      "Aucun équipement n'était supervisé",
      'Aucun incident détecté',
      "Aucun ticket n'a été ouvert",
      "Aucun ticket n'avait d'échéance contractuelle",
      "Aucune intervention n'a été enregistrée",
      "Aucun résultat de sauvegarde n'a été reçu",
      "Aucun résultat antivirus n'a été reçu",
      "Aucun résultat de posture de sécurité n'a été reçu",
      "Aucune évolution de l'inventaire",
      'Aucune garantie de matériel fourni ne prend fin entre le 01/10/2026 et le 29/01/2027',
      'Aucune donnée de flux réseau',
      "Aucun équipement n'a transmis la liste de ses mises à jour en attente",
    ])
      expect(t).toContain(s);
    expect(t).toContain('n.d.');
  });

  it('draws a flow summary when a flow source provides one', async () => {
    const flows: FlowSummary = {
      totalBytes: 123_400_000_000,
      totalFlows: 1_234_567,
      exporters: 2,
      byDay: [
        { date: '2026-10-01', bytes: 4_000_000_000 },
        { date: '2026-10-02', bytes: 5_500_000_000 },
      ],
      topHosts: [{ address: '192.0.2.10', hostname: 'srv-fichiers', bytesIn: 40_000_000_000, bytesOut: 2_000_000_000 }],
      topServices: [{ protocol: 'tcp', port: 443, label: 'HTTPS', bytes: 80_000_000_000 }],
      topDestinations: [{ address: '203.0.113.5', name: 'backup.example.net', bytes: 30_000_000_000 }],
    };
    const t = text((await renderReportPdf(sampleReport({ flows }))).pdf);
    for (const s of [
      '123,4 Go échangés en 1 234 567 flux, 2 exportateurs',
      'srv-fichiers (192.0.2.10) 40 Go 2 Go',
      'HTTPS 80 Go',
      'backup.example.net (203.0.113.5) 30 Go',
    ])
      expect(t).toContain(s);
  });

  it('runs long lists onto further pages and prints what WinAnsi lacks as readable stand-ins', async () => {
    const r = sampleReport();
    r.clientName = 'Ōsaka 株式会社 🚀';
    r.supervision.availability.devices = Array.from({ length: 90 }, (_, i) => ({
      deviceId: i,
      hostname: `pc-${String(i).padStart(3, '0')}`,
      siteId: 1,
      pct: 90 + (i % 10),
      expectedBuckets: 100,
      seenBuckets: 90 + (i % 10),
    }));
    const { pdf, pages } = await renderReportPdf(r);
    expect(pages).toBeGreaterThan(3);
    const t = text(pdf);
    expect(t).toContain('pc-000');
    expect(t).toContain('pc-089');
    expect(t).toContain('Client : Osaka ???? ?');
  });

  it('the covering mail gives the headline figures and names the attachment', () => {
    const mail = reportMail(sampleReport(), 'fr', 'https://rmm.example.fr/');
    expect(mail.subject).toBe("Rapport d'activité mensuel — Octobre 2026 — Acme SARL");
    expect(mail.filename).toBe('rapport-activite-2026-10-acme-sarl.pdf');
    expect(mail.text).toContain('Disponibilité des équipements supervisés : 97,41\u00a0%');
    expect(mail.text).toContain('https://rmm.example.fr/#/reports');
    expect(reportMail(sampleReport(), 'en').filename).toBe('activity-report-2026-10-acme-sarl.pdf');
  });
});
