import type { MonthlyReport } from '../report-data.js';

const H = 3_600_000;
const from = Date.parse('2026-09-30T22:00:00Z');

/** A filled October 2026 for a two-site client: every section has something to draw. */
export function sampleReport(over: Partial<MonthlyReport> = {}): MonthlyReport {
  return {
    version: 1,
    clientId: 1,
    clientName: 'Acme SARL',
    provider: 'Sibio Infogérance',
    month: '2026-10',
    period: { from, to: Date.parse('2026-10-31T23:00:00Z'), firstDay: '2026-10-01', lastDay: '2026-10-31' },
    generatedAt: Date.parse('2026-11-01T05:00:00Z'),
    partial: false,
    sites: [
      { id: 1, name: 'Siège Lyon' },
      { id: 2, name: 'Agence Grenoble' },
    ],
    supervision: {
      devices: { total: 4, byPlatform: { linux: 2, windows: 2 }, enrolledInMonth: 1 },
      availability: {
        resolution: '5m',
        clientPct: 97.41,
        devices: [
          { deviceId: 1, hostname: 'srv-fichiers', siteId: 1, pct: 100, expectedBuckets: 8940, seenBuckets: 8940 },
          { deviceId: 2, hostname: 'pc-compta-01', siteId: 1, pct: 99.5, expectedBuckets: 8940, seenBuckets: 8895 },
          { deviceId: 3, hostname: 'pc-accueil', siteId: 2, pct: 96.2, expectedBuckets: 8940, seenBuckets: 8600 },
          { deviceId: 4, hostname: 'pc-direction', siteId: 2, pct: 80.12, expectedBuckets: 4000, seenBuckets: 3205 },
        ],
        sites: [
          { siteId: 1, name: 'Siège Lyon', devices: 2, pct: 99.74 },
          { siteId: 2, name: 'Agence Grenoble', devices: 2, pct: 91.07 },
        ],
      },
      incidents: {
        total: 3,
        bySeverity: { critical: 1, warning: 2 },
        suppressed: 1,
        openAtEnd: 0,
        acknowledge: { count: 2, meanMs: 25 * 60_000, medianMs: 25 * 60_000 },
        resolve: { count: 2, meanMs: 5 * H, medianMs: 5 * H },
      },
    },
    tickets: {
      opened: 6,
      openedByChannel: { portal: 2, email: 1, phone: 1, monitoring: 2 },
      resolved: 5,
      closed: 2,
      openAtEnd: 1,
      sla: { withDeadline: 4, met: 3, missed: 1, breached: 0, compliancePct: 75 },
      acknowledge: { count: 5, meanMs: 2 * H, medianMs: 75 * 60_000 },
      resolve: { count: 5, meanMs: 30 * H, medianMs: 26 * H },
      perWeek: [
        { from: '2026-10-01', opened: 1, resolved: 0 },
        { from: '2026-10-05', opened: 2, resolved: 1 },
        { from: '2026-10-12', opened: 0, resolved: 2 },
        { from: '2026-10-19', opened: 2, resolved: 1 },
        { from: '2026-10-26', opened: 1, resolved: 1 },
      ],
      list: [
        { id: 11, title: 'Imprimante du 2e étage hors service', channel: 'portal', priority: 'normal', status: 'resolved', receivedAt: from + 30 * H, sla: 'met' },
        { id: 12, title: '[Critique] Disque / plein à 97 % sur srv-fichiers', channel: 'monitoring', priority: 'critical', status: 'closed', receivedAt: from + 100 * H, sla: 'met' },
        { id: 13, title: 'Messagerie lente', channel: 'email', priority: 'high', status: 'in_progress', receivedAt: from + 500 * H, sla: 'missed' },
      ],
      more: 3,
    },
    interventions: {
      rows: [
        { id: 1, date: '2026-10-05', ticketId: 11, ticketTitle: 'Imprimante du 2e étage hors service', kind: 'urgent', mode: 'remote', minutes: 50, unit: 'hour', unitCount: 1, amountCents: 11000, expensesCents: 0 },
        { id: 2, date: '2026-10-12', ticketId: 12, ticketTitle: 'Disque plein sur srv-fichiers', kind: 'urgent', mode: 'on_site', minutes: 90, unit: 'half_day', unitCount: 1, amountCents: 44000, expensesCents: 6300 },
        { id: 3, date: '2026-10-20', ticketId: 13, ticketTitle: 'Migration du serveur de fichiers', kind: 'programmed', mode: 'remote', minutes: 130, unit: 'quarter_hour', unitCount: 9, amountCents: 19800, expensesCents: 0 },
      ],
      totals: { count: 3, minutes: 270, billedMinutes: 405, amountCents: 74800, expensesCents: 6300 },
    },
    backups: [
      { deviceId: 1, hostname: 'srv-fichiers', target: 'restic nas', runs: 744, okRuns: 720, okPct: 96.77, restorePoints: 30, lastSuccessAt: from + 740 * H, longestGapMs: 49 * H, gapAtEnd: false, statusAtEnd: 'ok' },
      { deviceId: 2, hostname: 'pc-compta-01', target: 'dump compta', runs: 700, okRuns: 350, okPct: 50, restorePoints: 12, lastSuccessAt: from + 400 * H, longestGapMs: 344 * H, gapAtEnd: true, statusAtEnd: 'critical' },
    ],
    antivirus: {
      devicesReporting: 3,
      devicesCompliant: 2,
      okPct: 91.5,
      targets: [{ target: 'Microsoft Defender', reporting: 3, compliant: 2 }],
      findings: [{ deviceId: 3, hostname: 'pc-accueil', target: 'Microsoft Defender', status: 'warning', code: 'AV_SIGNATURES_OUTDATED', message: 'Microsoft Defender: signatures 4 days old' }],
      devicesSilent: 1,
    },
    security: {
      devicesReporting: 2,
      devicesCompliant: 1,
      okPct: 88,
      targets: [
        { target: 'disk-encryption', reporting: 2, compliant: 1 },
        { target: 'firewall', reporting: 2, compliant: 2 },
        { target: 'updates', reporting: 2, compliant: 2 },
      ],
      findings: [{ deviceId: 2, hostname: 'pc-compta-01', target: 'disk-encryption', status: 'warning', code: 'DISK_NOT_ENCRYPTED', message: 'System volume not encrypted (LUKS: none)' }],
      devicesSilent: 2,
    },
    inventory: {
      newDevices: [{ hostname: 'pc-direction', at: from + 200 * H }],
      hardware: { added: 1, removed: 1, changed: 1, items: [
        { at: from + 300 * H, hostname: 'srv-fichiers', section: 'disks', change: 'added', item: 'WD Red 4TB (WD-1234)' },
        { at: from + 300 * H, hostname: 'srv-fichiers', section: 'disks', change: 'removed', item: 'Seagate 2TB (Z1X2)' },
      ], more: 0 },
      software: { added: 2, removed: 1, changed: 14, items: [
        { at: from + 310 * H, hostname: 'pc-compta-01', section: 'software', change: 'added', item: 'ciel-compta 2026.1' },
        { at: from + 320 * H, hostname: 'pc-compta-01', section: 'software', change: 'added', item: 'firefox-esr 128.3' },
        { at: from + 330 * H, hostname: 'pc-accueil', section: 'software', change: 'removed', item: 'adobe-flash 32' },
      ], more: 0 },
    },
    warranties: {
      from: '2026-10-01',
      to: '2027-01-29',
      items: [
        { description: 'Portable Dell Latitude 5440', serial: 'SN-LAT-0001', deliveredOn: '2023-10-20', warrantyEnd: '2026-10-19', ended: true },
        { description: 'Onduleur APC 1500', serial: 'AS1234', deliveredOn: '2024-12-02', warrantyEnd: '2026-12-01', ended: false },
      ],
    },
    flows: null,
    patches: {
      days: 30,
      devices: 3,
      upToDate: 1,
      pending: 1,
      overdue: 1,
      unknown: 0,
      rebootPending: 1,
      withSecurity: 1,
      applied: { updates: 42, security: 7, devices: 2 },
      behind: [
        { hostname: 'srv-fichiers', pending: 12, security: 3, overdue: 2, oldestPendingSince: from - 40 * 24 * H, rebootPending: true },
        { hostname: 'pc-accueil', pending: 4, security: 0, overdue: 0, oldestPendingSince: from + 600 * H, rebootPending: false },
      ],
      more: 0,
    },
    ...over,
  };
}
