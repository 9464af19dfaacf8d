import { SECURITY_ASPECTS } from './catalogue/security.js';
import type { CheckLocale } from './format.js';

type Words = { fr: string; en: string };

/** What each check is about, as a reader names it (the check's id is the probe's folder name, or the site role's `snmp-*`). */
const CHECKS: Record<string, Words> = {
  backup: { fr: 'Sauvegarde', en: 'Backup' },
  antivirus: { fr: 'Antivirus', en: 'Antivirus' },
  network: { fr: 'Réseau', en: 'Network' },
  services: { fr: 'Services', en: 'Services' },
  security: { fr: 'Sécurité', en: 'Security' },
  patches: { fr: 'Mises à jour', en: 'Updates' },
  'snmp-reachable': { fr: 'Réponse SNMP', en: 'SNMP answer' },
  'snmp-interface': { fr: 'Interface réseau', en: 'Network interface' },
  'snmp-supply': { fr: 'Consommable', en: 'Supply' },
  'snmp-ups': { fr: 'Onduleur', en: 'UPS' },
  'flow-receiver': { fr: 'Réception des flux', en: 'Flow reception' },
  disk: { fr: 'Disque', en: 'Disk' },
};

/** The first word of a target, as the probes write it (`folder /srv`, `ping 10.0.0.1`, `tls www.example.fr`). */
const TARGET_KINDS: Record<string, Words> = {
  folder: { fr: 'Dossier', en: 'Folder' },
  restic: { fr: 'Restic', en: 'Restic' },
  borg: { fr: 'Borg', en: 'Borg' },
  veeam: { fr: 'Veeam', en: 'Veeam' },
  wsb: { fr: 'Sauvegarde Windows Server', en: 'Windows Server Backup' },
  timemachine: { fr: 'Time Machine', en: 'Time Machine' },
  command: { fr: 'Commande', en: 'Command' },
  ping: { fr: 'Ping', en: 'Ping' },
  http: { fr: 'Site web', en: 'Website' },
  tls: { fr: 'Certificat TLS', en: 'TLS certificate' },
  tcp: { fr: 'Port TCP', en: 'TCP port' },
  dns: { fr: 'Résolution DNS', en: 'DNS lookup' },
  interface: { fr: 'Interface', en: 'Interface' },
};

const SPECIAL_TARGETS: Record<string, Words> = {
  'top-processes': { fr: 'Processus les plus gourmands', en: 'Busiest processes' },
  '*': { fr: 'Protection antivirus', en: 'Antivirus protection' },
};

/** A check's name for a reader: `snmp-supply` → « Consommable ». */
export function checkLabel(check: string, locale: CheckLocale): string {
  return CHECKS[check]?.[locale] ?? check;
}

/**
 * A check's target for a reader: `disk-encryption` → « chiffrement du disque », `folder /srv/data`
 * → « Dossier /srv/data », `192.168.10.20:161 supply Black toner` → « Black toner ».
 */
export function targetLabel(check: string, target: string, locale: CheckLocale): string {
  if (Object.hasOwn(SPECIAL_TARGETS, target)) return SPECIAL_TARGETS[target]![locale];
  if (check === 'security' && Object.hasOwn(SECURITY_ASPECTS, target)) {
    const a = SECURITY_ASPECTS[target]![locale];
    return a.charAt(0).toUpperCase() + a.slice(1);
  }
  // The site role names targets `address:port`, then the part: `if <name>`, `supply <name>`, `ups`.
  const snmp = /^\S+:\d+ (if|supply) (.+)$/.exec(target);
  if (snmp) return snmp[2]!;
  if (/^\S+:\d+ ups$/.test(target)) return checkLabel('snmp-ups', locale);
  const space = target.indexOf(' ');
  if (space > 0) {
    const kind = target.slice(0, space);
    if (Object.hasOwn(TARGET_KINDS, kind)) return `${TARGET_KINDS[kind]![locale]} ${target.slice(space + 1)}`;
  }
  return target;
}
