import { parisDate } from '@vigie/shared';
import type { MonthlyReport, ReportLang } from './report-data.js';
import { type Pen, S } from './report-pen.js';

const NBSP = '\u00a0';
const s = (n: number) => (n > 1 ? 's' : '');

/** The section's words, French (default) and English. */
export const PATCH_MESSAGES = {
  fr: {
    heading: 'Mises à jour',
    none: "Aucun équipement n'a transmis la liste de ses mises à jour en attente pour la période.",
    line: (upToDate: number, devices: number) => `${upToDate} équipement${s(upToDate)} à jour sur ${devices} en fin de période`,
    states: (pending: number, overdue: number, days: number, unknown: number) =>
      [
        `${pending} avec des mises à jour en attente depuis moins de ${days}${NBSP}jours`,
        `${overdue} en attente depuis plus de ${days}${NBSP}jours`,
        ...(unknown > 0 ? [`${unknown} sans liste transmise`] : []),
      ].join(', '),
    reboot: (n: number) => `${n} équipement${s(n)} en attente de redémarrage pour terminer des mises à jour`,
    security: (n: number) => `${n} équipement${s(n)} avec au moins une mise à jour de sécurité en attente`,
    applied: (updates: number, security: number, devices: number) =>
      updates === 0
        ? "Aucune mise à jour en attente n'a été appliquée pendant la période."
        : `${updates} mise${s(updates)} à jour appliquée${s(updates)} pendant la période, dont ${security} de sécurité, sur ${devices} équipement${s(devices)}`,
    columns: ['Équipement', 'En attente', 'Sécurité', `Plus de N${NBSP}j`, 'Depuis le', 'Redémarrage'],
    overdueColumn: (days: number) => `Plus de ${days}${NBSP}j`,
    yes: 'oui',
    no: 'non',
    andMore: (n: number) => `… et ${n} autre${s(n)}`,
  },
  en: {
    heading: 'Updates',
    none: 'No device sent its list of pending updates for the period.',
    line: (upToDate: number, devices: number) => `${upToDate} of ${devices} device${s(devices)} up to date at the end of the period`,
    states: (pending: number, overdue: number, days: number, unknown: number) =>
      [
        `${pending} with updates pending for less than ${days} days`,
        `${overdue} pending for more than ${days} days`,
        ...(unknown > 0 ? [`${unknown} that sent no list`] : []),
      ].join(', '),
    reboot: (n: number) => `${n} device${s(n)} waiting for a restart to finish updates`,
    security: (n: number) => `${n} device${s(n)} with at least one pending security update`,
    applied: (updates: number, security: number, devices: number) =>
      updates === 0
        ? 'No pending update was applied during the period.'
        : `${updates} update${s(updates)} applied during the period, ${security} of them for security, on ${devices} device${s(devices)}`,
    columns: ['Device', 'Pending', 'Security', 'Over N days', 'Since', 'Restart'],
    overdueColumn: (days: number) => `Over ${days} days`,
    yes: 'yes',
    no: 'no',
    andMore: (n: number) => `… and ${n} more`,
  },
} satisfies Record<ReportLang, unknown>;

export function drawPatches(pen: Pen, r: MonthlyReport): void {
  // Reports archived before patch management have no such section.
  if (!r.patches) return;
  const p = r.patches;
  const m = PATCH_MESSAGES[pen.f.lang];
  pen.heading(m.heading);
  if (p.devices === 0 || p.unknown === p.devices) {
    pen.none(m.none);
    return;
  }
  pen.text(m.line(p.upToDate, p.devices), S.bold);
  pen.text(m.states(p.pending, p.overdue, p.days, p.unknown));
  if (p.withSecurity > 0) pen.text(m.security(p.withSecurity));
  if (p.rebootPending > 0) pen.text(m.reboot(p.rebootPending));
  pen.text(m.applied(p.applied.updates, p.applied.security, p.applied.devices));
  pen.gap(4);
  if (p.behind.length === 0) return;
  const c = m.columns;
  pen.table(
    [
      { label: c[0]!, share: 0.3 },
      { label: c[1]!, share: 0.12, align: 'right' },
      { label: c[2]!, share: 0.12, align: 'right' },
      { label: m.overdueColumn(p.days), share: 0.14, align: 'right' },
      { label: c[4]!, share: 0.18 },
      { label: c[5]!, share: 0.14 },
    ],
    p.behind.map((d) => [
      d.hostname,
      String(d.pending),
      String(d.security),
      String(d.overdue),
      d.oldestPendingSince === null ? '' : pen.f.date(parisDate(d.oldestPendingSince)),
      d.rebootPending === null ? '' : d.rebootPending ? m.yes : m.no,
    ]),
  );
  if (p.more > 0) pen.text(m.andMore(p.more), S.small);
}
