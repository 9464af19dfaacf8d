/**
 * The report's words in French (default) and English, and the conversions done only at this edge:
 * cents → euros (fr-FR), UTC instants → Europe/Paris, durations → readable text.
 */
import { PARIS_TIME_ZONE } from '@vigie/shared';
import type { ReportLang } from './report-data.js';

const fr = {
  title: "Rapport d'activité mensuel",
  summaryTitle: 'Synthèse du mois',
  highlightsTitle: 'Points marquants',
  commentTitle: 'Le mot de votre technicien',
  commentBy: (name: string, date: string) => `${name}, le ${date}`,
  commentByUnknown: (date: string) => `Le ${date}`,
  noComment: 'Pas de commentaire du technicien pour ce mois.',
  hAvailability: (p: string) => `Disponibilité de vos équipements\u00a0: ${p}.`,
  hIncidents: (n: number, crit: number) =>
    n === 0
      ? 'Aucun incident détecté par la supervision.'
      : `${n} incident${n > 1 ? 's' : ''} détecté${n > 1 ? 's' : ''}, dont ${crit} critique${crit > 1 ? 's' : ''}.`,
  hSla: (p: string, met: number, total: number) => `Délais contractuels respectés\u00a0: ${p} (${met} sur ${total}).`,
  hOpen: (n: number) => `${n} ticket${n > 1 ? 's' : ''} encore en cours en fin de mois.`,
  hBackups: (n: number) => `${n} sauvegarde${n > 1 ? 's' : ''} en écart en fin de mois\u00a0: voir la section Sauvegardes.`,
  hAntivirus: (n: number) => `${n} équipement${n > 1 ? 's' : ''} avec un écart antivirus en fin de mois.`,
  hSecurity: (n: number) => `${n} écart${n > 1 ? 's' : ''} de posture de sécurité en fin de mois.`,
  hWarranties: (n: number) => `${n} garantie${n > 1 ? 's' : ''} de matériel fourni arrive${n > 1 ? 'nt' : ''} à échéance dans les 90\u00a0jours.`,
  hDelivered: (n: number) => `${n} matériel${n > 1 ? 's' : ''} livré${n > 1 ? 's' : ''} ce mois-ci.`,
  hNewDevices: (n: number) => `${n} nouvel${n > 1 ? 's' : ''} équipement${n > 1 ? 's' : ''} supervisé${n > 1 ? 's' : ''}.`,
  hRemote: (n: number) => `${n} action${n > 1 ? 's' : ''} à distance sur vos machines.`,
  delivered: 'Matériels livrés',
  deliveredColumns: ['Livré le', 'Désignation', 'N° de série', 'Équipement'],
  notYetSeen: 'pas encore supervisé',
  availabilityAgentless:
    'Équipements sans agent (imprimantes, commutateurs, onduleurs)\u00a0: tranches où ils ont répondu à l’interrogation SNMP de l’agent de leur site.',
  client: 'Client',
  period: 'Période',
  periodRange: (a: string, b: string) => `du ${a} au ${b}`,
  generated: (at: string) => `Établi le ${at}`,
  partial: (at: string) => `Période en cours : chiffres arrêtés au ${at}`,
  provider: 'Prestataire',
  colon: '\u00a0: ',
  notAvailable: 'n.d.',
  keyFigures: {
    availability: 'Disponibilité',
    incidents: 'Incidents',
    tickets: 'Tickets ouverts / résolus',
    sla: 'Délais respectés (SLA)',
    interventions: 'Interventions facturées',
  },
  sections: {
    supervision: 'Supervision',
    tickets: 'Tickets et délais contractuels',
    interventions: 'Interventions',
    backups: 'Sauvegardes',
    antivirus: 'Antivirus',
    security: 'Posture de sécurité',
    inventory: "Évolutions de l'inventaire",
    warranties: 'Garanties arrivant à échéance',
    flows: 'Flux réseau',
  },
  devices: (n: number, recent: number) =>
    `${n} équipement${n > 1 ? 's' : ''} supervisé${n > 1 ? 's' : ''}${recent ? `, dont ${recent} ajouté${recent > 1 ? 's' : ''} ce mois-ci` : ''}`,
  noDevices: "Aucun équipement n'était supervisé pendant la période : pas de disponibilité à calculer.",
  availabilityHow: (res: string) =>
    `Disponibilité\u00a0: part des tranches de ${res} de la période pendant lesquelles l’agent a donné signe de vie (depuis son installation).`,
  availabilityChart: 'Disponibilité par équipement',
  bySite: 'Disponibilité par site',
  site: 'Site',
  deviceCount: 'Équipements',
  availabilityCol: 'Disponibilité',
  incidentsLine: (total: number, crit: number, warn: number) =>
    `${total} incident${total > 1 ? 's' : ''} : ${crit} critique${crit > 1 ? 's' : ''}, ${warn} alerte${warn > 1 ? 's' : ''}`,
  incidentsSuppressed: (n: number) => `${n} pendant une maintenance ou une panne de site (sans ticket)`,
  incidentsOpen: (n: number) => `${n} encore ouvert${n > 1 ? 's' : ''} en fin de période`,
  noIncidents: 'Aucun incident détecté par la supervision pendant la période.',
  responseTable: ['', 'Tickets', 'Moyenne', 'Médiane'],
  acknowledge: 'Délai de prise en charge',
  resolve: 'Délai de résolution',
  responseHow: 'Délais mesurés sur l’historique des tickets, de la réception à la première action d’un technicien et à la résolution.',
  ticketsLine: (o: number, r: number, c: number, open: number) =>
    `${o} ouvert${o > 1 ? 's' : ''}, ${r} résolu${r > 1 ? 's' : ''}, ${c} clôturé${c > 1 ? 's' : ''} ; ${open} en cours en fin de période`,
  byChannel: 'Par canal',
  slaTitle: 'Délais contractuels respectés',
  slaLine: (met: number, total: number) => `${met} sur ${total} tickets à échéance dans la période ont été pris en charge dans le délai contractuel (art. 2.6)`,
  slaDetail: (missed: number, breached: number) => `${missed} pris en charge en retard, ${breached} non pris en charge à l'échéance`,
  noSla: "Aucun ticket n'avait d'échéance contractuelle dans la période (demandes programmées ou aucune demande urgente).",
  noTickets: "Aucun ticket n'a été ouvert ni traité pendant la période.",
  weekChart: 'Tickets par semaine',
  weekOf: (d: string) => `sem. du ${d}`,
  opened: 'Ouverts',
  resolved: 'Résolus',
  ticketColumns: ['N°', 'Reçu le', 'Objet', 'Canal', 'Priorité', 'Statut', 'Délai'],
  andMore: (n: number) => `… et ${n} autre${n > 1 ? 's' : ''}`,
  interventionColumns: ['Date', 'Ticket', 'Objet', 'Type', 'Durée', 'Facturé', 'Montant HT'],
  interventionTotals: (n: number, observed: string, billed: string, amount: string) =>
    `${n} intervention${n > 1 ? 's' : ''} : ${observed} réalisées, ${billed} facturées, ${amount} HT`,
  expenses: (amount: string) => `Frais de déplacement, repas et hébergement : ${amount} HT`,
  noInterventions: "Aucune intervention n'a été enregistrée pour la période.",
  backupColumns: ['Équipement', 'Sauvegarde', 'Contrôles OK', 'Points de restauration', 'Dernière réussite', 'Plus long écart'],
  backupHow:
    'Contrôles OK : part des vérifications de la période où la dernière sauvegarde était récente et réussie. Plus long écart : plus longue durée sans sauvegarde réussie connue (* : toujours en cours en fin de période).',
  noBackups: "Aucun résultat de sauvegarde n'a été reçu pour la période : aucune sauvegarde n'est supervisée sur les équipements de ce client.",
  complianceLine: (ok: number, reporting: number, pctText: string) =>
    `${ok} équipement${ok > 1 ? 's' : ''} conforme${ok > 1 ? 's' : ''} sur ${reporting} en fin de période ; ${pctText} des contrôles de la période conformes`,
  silent: (n: number) => `${n} équipement${n > 1 ? 's' : ''} sans résultat pour ce contrôle`,
  targetColumns: ['Contrôle', 'Équipements', 'Conformes'],
  findingColumns: ['Équipement', 'Contrôle', 'État', 'Constat'],
  noAntivirus: "Aucun résultat antivirus n'a été reçu pour la période.",
  noSecurity: "Aucun résultat de posture de sécurité n'a été reçu pour la période.",
  allCompliant: 'Aucun écart en fin de période.',
  newDevices: (list: string) => `Nouveaux équipements : ${list}`,
  hardware: 'Matériel',
  software: 'Logiciels',
  inventoryLine: (a: number, r: number, c: number) =>
    `${a} ajout${a > 1 ? 's' : ''}, ${r} retrait${r > 1 ? 's' : ''}, ${c} modification${c > 1 ? 's' : ''} (mises à jour)`,
  inventoryColumns: ['Date', 'Équipement', 'Changement', 'Élément'],
  noInventory: "Aucune évolution de l'inventaire matériel ou logiciel n'a été relevée pendant la période.",
  warrantyIntro: (a: string, b: string) => `Matériels fournis dont la garantie prend fin entre le ${a} et le ${b}.`,
  warrantyColumns: ['Désignation', 'N° de série', 'Livré le', 'Fin de garantie'],
  warrantyEnded: 'échue',
  noWarranties: (a: string, b: string) => `Aucune garantie de matériel fourni ne prend fin entre le ${a} et le ${b}.`,
  noFlows: "Aucune donnée de flux réseau pour la période : aucun routeur ni agent de site n'exporte de flux (NetFlow/IPFIX) pour ce client.",
  flowsLine: (bytes: string, flows: string, exporters: number) => `${bytes} échangés en ${flows} flux, ${exporters} exportateur${exporters > 1 ? 's' : ''}`,
  flowHosts: ['Hôte', 'Reçu', 'Envoyé'],
  flowServices: ['Service', 'Volume'],
  flowDestinations: ['Destination', 'Volume'],
  flowChart: 'Volume par jour',
  page: (n: number, total: number) => `Page ${n} / ${total}`,
  channel: { portal: 'Portail', email: 'E-mail', phone: 'Téléphone', monitoring: 'Supervision' } as Record<string, string>,
  priority: { low: 'Basse', normal: 'Normale', high: 'Haute', critical: 'Critique' } as Record<string, string>,
  status: {
    new: 'Nouveau',
    acknowledged: 'Pris en compte',
    in_progress: 'En cours',
    waiting_client: 'Attente client',
    resolved: 'Résolu',
    closed: 'Clôturé',
  } as Record<string, string>,
  sla: { none: '—', met: 'Respecté', missed: 'Dépassé', breached: 'Dépassé', running: 'En cours' } as Record<string, string>,
  kind: { programmed: 'Programmée', urgent: 'Urgente' } as Record<string, string>,
  mode: { on_site: 'sur site', remote: 'à distance' } as Record<string, string>,
  unit: { day: 'j', half_day: '½ j', hour: 'h', quarter_hour: '¼ h' } as Record<string, string>,
  remoteTitle: 'Actions à distance',
  remoteColumns: ['Date', 'Équipement', 'Action', 'Par', 'Résultat'],
  remoteLine: (n: number, refused: number) =>
    `${n} action${n > 1 ? 's' : ''} à distance sur vos machines${refused ? `, dont ${refused} refusée${refused > 1 ? 's' : ''} par la machine elle-même` : ''} (journal d’audit chaîné, consultable dans votre espace)`,
  noRemote: 'Aucune action à distance sur vos machines pendant la période.',
  remoteAction: {
    script: 'Script',
    reboot: 'Redémarrage',
    'service-restart': 'Redémarrage de service',
    'process-kill': 'Arrêt de processus',
    'log-fetch': 'Récupération de journal',
  } as Record<string, string>,
  remoteState: {
    queued: 'En attente',
    sent: 'Envoyée',
    running: 'En cours',
    succeeded: 'Réussie',
    failed: 'Échouée',
    refused: 'Refusée par la machine',
    expired: 'Expirée',
    cancelled: 'Annulée',
  } as Record<string, string>,
  checkStatus: { ok: 'OK', warning: 'Alerte', critical: 'Critique', unknown: 'Inconnu' } as Record<string, string>,
  change: { added: 'Ajout', removed: 'Retrait', changed: 'Modification' } as Record<string, string>,
  target: {
    'disk-encryption': 'Chiffrement du disque',
    firewall: 'Pare-feu',
    updates: 'Mises à jour',
    admins: 'Administrateurs',
    'usb-storage': 'Stockage USB',
    'password-policy': 'Mots de passe',
    quotas: 'Quotas',
  } as Record<string, string>,
};

type Messages = typeof fr;

const en: Messages = {
  title: 'Monthly activity report',
  summaryTitle: 'Summary of the month',
  highlightsTitle: 'Highlights',
  commentTitle: 'A word from your technician',
  commentBy: (name, date) => `${name}, ${date}`,
  commentByUnknown: (date) => date,
  noComment: 'No technician comment for this month.',
  hAvailability: (p) => `Availability of your devices: ${p}.`,
  hIncidents: (n, crit) => (n === 0 ? 'No incident detected by monitoring.' : `${n} incident${n > 1 ? 's' : ''} detected, ${crit} of them critical.`),
  hSla: (p, met, total) => `Contractual response times met: ${p} (${met} of ${total}).`,
  hOpen: (n) => `${n} ticket${n > 1 ? 's' : ''} still open at the end of the month.`,
  hBackups: (n) => `${n} backup${n > 1 ? 's' : ''} off track at the end of the month: see the Backups section.`,
  hAntivirus: (n) => `${n} device${n > 1 ? 's' : ''} with an antivirus deviation at the end of the month.`,
  hSecurity: (n) => `${n} security posture deviation${n > 1 ? 's' : ''} at the end of the month.`,
  hWarranties: (n) => `${n} warrant${n > 1 ? 'ies' : 'y'} of supplied hardware end${n > 1 ? '' : 's'} within 90 days.`,
  hDelivered: (n) => `${n} item${n > 1 ? 's' : ''} of hardware delivered this month.`,
  hNewDevices: (n) => `${n} new device${n > 1 ? 's' : ''} monitored.`,
  hRemote: (n) => `${n} remote action${n > 1 ? 's' : ''} on your machines.`,
  delivered: 'Hardware delivered',
  deliveredColumns: ['Delivered', 'Description', 'Serial number', 'Device'],
  notYetSeen: 'not monitored yet',
  availabilityAgentless: 'Devices without an agent (printers, switches, UPS): the slots in which they answered their site agent’s SNMP polls.',
  client: 'Client',
  period: 'Period',
  periodRange: (a, b) => `${a} to ${b}`,
  generated: (at) => `Issued ${at}`,
  partial: (at) => `Period still running: figures as of ${at}`,
  provider: 'Provider',
  colon: ': ',
  notAvailable: 'n/a',
  keyFigures: {
    availability: 'Availability',
    incidents: 'Incidents',
    tickets: 'Tickets opened / resolved',
    sla: 'Deadlines met (SLA)',
    interventions: 'Billed interventions',
  },
  sections: {
    supervision: 'Monitoring',
    tickets: 'Tickets and contractual deadlines',
    interventions: 'Interventions',
    backups: 'Backups',
    antivirus: 'Antivirus',
    security: 'Security posture',
    inventory: 'Inventory changes',
    warranties: 'Warranties ending soon',
    flows: 'Network flows',
  },
  devices: (n, recent) => `${n} monitored device${n > 1 ? 's' : ''}${recent ? `, ${recent} added this month` : ''}`,
  noDevices: 'No device was monitored during the period: no availability to compute.',
  availabilityHow: (res) => `Availability: share of the period's ${res} slots in which the agent reported (since it was installed).`,
  availabilityChart: 'Availability per device',
  bySite: 'Availability per site',
  site: 'Site',
  deviceCount: 'Devices',
  availabilityCol: 'Availability',
  incidentsLine: (total, crit, warn) => `${total} incident${total > 1 ? 's' : ''}: ${crit} critical, ${warn} warning${warn > 1 ? 's' : ''}`,
  incidentsSuppressed: (n) => `${n} during maintenance or a site outage (no ticket)`,
  incidentsOpen: (n) => `${n} still open at the end of the period`,
  noIncidents: 'No incident detected by monitoring during the period.',
  responseTable: ['', 'Tickets', 'Mean', 'Median'],
  acknowledge: 'Time to acknowledge',
  resolve: 'Time to resolve',
  responseHow: "Times measured on the tickets' history, from receipt to a technician's first action and to resolution.",
  ticketsLine: (o, r, c, open) => `${o} opened, ${r} resolved, ${c} closed; ${open} open at the end of the period`,
  byChannel: 'By channel',
  slaTitle: 'Contractual deadlines met',
  slaLine: (met, total) => `${met} of ${total} tickets due in the period were taken up within the contractual deadline (art. 2.6)`,
  slaDetail: (missed, breached) => `${missed} taken up late, ${breached} not taken up by the deadline`,
  noSla: 'No ticket had a contractual deadline in the period (programmed requests or no urgent request).',
  noTickets: 'No ticket was opened or handled during the period.',
  weekChart: 'Tickets per week',
  weekOf: (d) => `wk of ${d}`,
  opened: 'Opened',
  resolved: 'Resolved',
  ticketColumns: ['No.', 'Received', 'Subject', 'Channel', 'Priority', 'Status', 'Deadline'],
  andMore: (n) => `… and ${n} more`,
  interventionColumns: ['Date', 'Ticket', 'Subject', 'Type', 'Duration', 'Billed', 'Amount excl. VAT'],
  interventionTotals: (n, observed, billed, amount) => `${n} intervention${n > 1 ? 's' : ''}: ${observed} worked, ${billed} billed, ${amount} excl. VAT`,
  expenses: (amount) => `Travel, meal and lodging expenses: ${amount} excl. VAT`,
  noInterventions: 'No intervention was recorded for the period.',
  backupColumns: ['Device', 'Backup', 'Checks OK', 'Restore points', 'Last success', 'Longest gap'],
  backupHow:
    'Checks OK: share of the period’s checks in which the last backup was recent and successful. Longest gap: longest time without a known successful backup (*: still running at the end of the period).',
  noBackups: "No backup result was received for the period: no backup is monitored on this client's devices.",
  complianceLine: (ok, reporting, pctText) =>
    `${ok} of ${reporting} device${reporting > 1 ? 's' : ''} compliant at the end of the period; ${pctText} of the period's checks compliant`,
  silent: (n) => `${n} device${n > 1 ? 's' : ''} without a result for this check`,
  targetColumns: ['Check', 'Devices', 'Compliant'],
  findingColumns: ['Device', 'Check', 'State', 'Finding'],
  noAntivirus: 'No antivirus result was received for the period.',
  noSecurity: 'No security posture result was received for the period.',
  allCompliant: 'No deviation at the end of the period.',
  newDevices: (list) => `New devices: ${list}`,
  hardware: 'Hardware',
  software: 'Software',
  inventoryLine: (a, r, c) => `${a} added, ${r} removed, ${c} changed (updates)`,
  inventoryColumns: ['Date', 'Device', 'Change', 'Item'],
  noInventory: 'No hardware or software inventory change was recorded during the period.',
  warrantyIntro: (a, b) => `Supplied hardware whose warranty ends between ${a} and ${b}.`,
  warrantyColumns: ['Description', 'Serial number', 'Delivered', 'Warranty end'],
  warrantyEnded: 'ended',
  noWarranties: (a, b) => `No warranty of supplied hardware ends between ${a} and ${b}.`,
  noFlows: 'No network flow data for the period: no router or site agent exports flows (NetFlow/IPFIX) for this client.',
  flowsLine: (bytes, flows, exporters) => `${bytes} exchanged in ${flows} flows, ${exporters} exporter${exporters > 1 ? 's' : ''}`,
  flowHosts: ['Host', 'Received', 'Sent'],
  flowServices: ['Service', 'Volume'],
  flowDestinations: ['Destination', 'Volume'],
  flowChart: 'Volume per day',
  page: (n, total) => `Page ${n} / ${total}`,
  channel: { portal: 'Portal', email: 'E-mail', phone: 'Phone', monitoring: 'Monitoring' },
  priority: { low: 'Low', normal: 'Normal', high: 'High', critical: 'Critical' },
  status: {
    new: 'New',
    acknowledged: 'Acknowledged',
    in_progress: 'In progress',
    waiting_client: 'Waiting for client',
    resolved: 'Resolved',
    closed: 'Closed',
  },
  sla: { none: '—', met: 'Met', missed: 'Missed', breached: 'Missed', running: 'Running' },
  kind: { programmed: 'Programmed', urgent: 'Urgent' },
  mode: { on_site: 'on site', remote: 'remote' },
  unit: { day: 'd', half_day: '½ d', hour: 'h', quarter_hour: '¼ h' },
  remoteTitle: 'Remote actions',
  remoteColumns: ['Date', 'Device', 'Action', 'By', 'Result'],
  remoteLine: (n: number, refused: number) =>
    `${n} remote action${n > 1 ? 's' : ''} on your machines${refused ? `, ${refused} of them refused by the machine itself` : ''} (hash-chained audit log, readable in your space)`,
  noRemote: 'No remote action on your machines during the period.',
  remoteAction: {
    script: 'Script',
    reboot: 'Reboot',
    'service-restart': 'Service restart',
    'process-kill': 'Process stop',
    'log-fetch': 'Log fetch',
  },
  remoteState: {
    queued: 'Queued',
    sent: 'Sent',
    running: 'Running',
    succeeded: 'Succeeded',
    failed: 'Failed',
    refused: 'Refused by the machine',
    expired: 'Expired',
    cancelled: 'Cancelled',
  },
  checkStatus: { ok: 'OK', warning: 'Warning', critical: 'Critical', unknown: 'Unknown' },
  change: { added: 'Added', removed: 'Removed', changed: 'Changed' },
  target: {
    'disk-encryption': 'Disk encryption',
    firewall: 'Firewall',
    updates: 'Updates',
    admins: 'Administrators',
    'usb-storage': 'USB storage',
    'password-policy': 'Passwords',
    quotas: 'Quotas',
  },
};

export const MESSAGES: Record<ReportLang, Messages> = { fr, en };
export type ReportMessages = Messages;

const INTL = { fr: 'fr-FR', en: 'en-GB' } as const;
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function formatters(lang: ReportLang) {
  const intl = INTL[lang];
  const money = new Intl.NumberFormat(intl, { style: 'currency', currency: 'EUR' });
  const number = new Intl.NumberFormat(intl, { maximumFractionDigits: 2 });
  const integer = new Intl.NumberFormat(intl, { maximumFractionDigits: 0 });
  const dateTime = new Intl.DateTimeFormat(intl, {
    timeZone: PARIS_TIME_ZONE,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  const monthName = new Intl.DateTimeFormat(intl, { timeZone: 'UTC', month: 'long', year: 'numeric' });
  const nbsp = '\u00a0';
  const date = (d: string) => {
    const [y, m, day] = d.split('-') as [string, string, string];
    return lang === 'fr' ? `${day}/${m}/${y}` : `${day} ${MONTHS_EN[Number(m) - 1]} ${y}`;
  };
  return {
    lang,
    money: (cents: number) => money.format(cents / 100),
    number: (n: number) => number.format(n),
    integer: (n: number) => integer.format(n),
    pct: (p: number | null) => (p === null ? MESSAGES[lang].notAvailable : `${number.format(p)}${lang === 'fr' ? `${nbsp}%` : '%'}`),
    date,
    /** A Paris date without its year, for chart labels. */
    shortDate: (d: string) => (lang === 'fr' ? `${d.slice(8, 10)}/${d.slice(5, 7)}` : `${Number(d.slice(8, 10))} ${MONTHS_EN[Number(d.slice(5, 7)) - 1]}`),
    dateTime: (t: number) => dateTime.format(t).replace(',', ''),
    month: (month: string) => {
      const [y, m] = month.split('-').map(Number) as [number, number];
      const text = monthName.format(Date.UTC(y, m - 1, 1));
      return text.charAt(0).toUpperCase() + text.slice(1);
    },
    /** Worked or billed minutes: "45 min", "4 h 30". */
    minutes: (min: number) => {
      if (min < 60) return `${min}${nbsp}min`;
      const rest = min % 60;
      return `${Math.floor(min / 60)}${nbsp}h${rest ? `${nbsp}${String(rest).padStart(2, '0')}` : ''}`;
    },
    /** A response time or a gap: "< 1 min", "35 min", "2 h 05", "3 j 4 h". */
    duration: (ms: number | null) => {
      if (ms === null) return MESSAGES[lang].notAvailable;
      if (ms < MINUTE) return `<${nbsp}1${nbsp}min`;
      if (ms < HOUR) return `${Math.round(ms / MINUTE)}${nbsp}min`;
      if (ms < DAY) {
        const h = Math.floor(ms / HOUR);
        const m = Math.round((ms - h * HOUR) / MINUTE);
        return m === 60 ? `${h + 1}${nbsp}h` : `${h}${nbsp}h${m ? `${nbsp}${String(m).padStart(2, '0')}` : ''}`;
      }
      const d = Math.floor(ms / DAY);
      const h = Math.round((ms - d * DAY) / HOUR);
      const dayUnit = lang === 'fr' ? 'j' : 'd';
      return h === 24 ? `${d + 1}${nbsp}${dayUnit}` : `${d}${nbsp}${dayUnit}${h ? `${nbsp}${h}${nbsp}h` : ''}`;
    },
    bytes: (n: number) => {
      const units = lang === 'fr' ? ['o', 'ko', 'Mo', 'Go', 'To'] : ['B', 'kB', 'MB', 'GB', 'TB'];
      let v = n;
      let i = 0;
      while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
      }
      return `${number.format(Math.round(v * 10) / 10)}${nbsp}${units[i]}`;
    },
  };
}

export type ReportFormatters = ReturnType<typeof formatters>;
