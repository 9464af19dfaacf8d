import type { CheckFormat } from '../format.js';
import type { CheckFacts, CheckTexts } from '../messages.js';
import { own, when } from '../phrase.js';

// agent/src/probes/security: one result per aspect (the target: disk-encryption, firewall,
// updates, admins, usb-storage, password-policy, quotas). Values: percent (encryption), pending
// and security (update counts; security null when the tool cannot tell), count, admins and
// unexpected (comma-separated accounts), minLength, lockoutThreshold, maxAgeDays (null: none),
// filesystems, overLimit.

export const SECURITY_ASPECTS: Record<string, { fr: string; en: string }> = {
  'disk-encryption': { fr: 'chiffrement du disque', en: 'disk encryption' },
  firewall: { fr: 'pare-feu', en: 'firewall' },
  updates: { fr: 'mises à jour', en: 'updates' },
  admins: { fr: 'administrateurs', en: 'administrators' },
  'usb-storage': { fr: 'stockage USB', en: 'USB storage' },
  'password-policy': { fr: 'politique de mots de passe', en: 'password policy' },
  quotas: { fr: 'quotas', en: 'quotas' },
};

const updates = (n: number, f: CheckFormat) => (f.locale === 'fr' ? f.plural(n, 'mise à jour', 'mises à jour') : f.plural(n, 'update', 'updates'));
const unexpected = (c: CheckFacts) => (c.str('unexpected') ?? '').split(', ').filter(Boolean).length;

/** A policy setting: its number, `none` when the probe sent null, nothing when it did not say. */
const setting = (c: CheckFacts, key: string, some: (n: number) => string, none: string) => when(c.num(key), some, c.isNull(key) ? none : '');

/** `longueur minimale 8, verrouillage après 5 essais, expiration jamais`, from what the probe sent. */
function passwordPolicy(c: CheckFacts, f: CheckFormat): string {
  const parts =
    f.locale === 'fr'
      ? [
          setting(c, 'minLength', (n) => `longueur minimale ${n}`, 'aucune longueur minimale'),
          setting(c, 'lockoutThreshold', (n) => `verrouillage après ${n} essais`, 'aucun verrouillage'),
          setting(c, 'maxAgeDays', (n) => `expiration après ${f.days(n)}`, 'aucune expiration'),
        ]
      : [
          setting(c, 'minLength', (n) => `minimum length ${n}`, 'no minimum length'),
          setting(c, 'lockoutThreshold', (n) => `lockout after ${n} attempts`, 'no lockout'),
          setting(c, 'maxAgeDays', (n) => `expiry after ${f.days(n)}`, 'no expiry'),
        ];
  const known = parts.filter(Boolean).join(', ');
  return known ? `${f.locale === 'fr' ? ' ' : ''}: ${known}` : '';
}

/** `Administrateurs : alice, bob` when the probe listed them. */
function adminList(c: CheckFacts, f: CheckFormat, lead: string): string {
  if (c.num('count') === 0) return f.locale === 'fr' ? 'Aucun administrateur' : 'No administrator';
  return `${lead}${when(c.str('admins'), (a) => `${f.locale === 'fr' ? ' ' : ''}: ${a}`)}`;
}

export const SECURITY_TEXTS: CheckTexts = {
  DISK_ENCRYPTED: { fr: () => 'Volume système chiffré', en: () => 'System volume encrypted' },
  DISK_ENCRYPTION_IN_PROGRESS: {
    fr: (c, f) => `Chiffrement du volume système en cours${when(c.num('percent'), (p) => ` (${f.pct(p)})`)}`,
    en: (c, f) => `System volume encryption in progress${when(c.num('percent'), (p) => ` (${f.pct(p)})`)}`,
  },
  DISK_NOT_ENCRYPTED: { fr: () => 'Le volume système n’est pas chiffré', en: () => 'The system volume is not encrypted' },
  FIREWALL_ENABLED: { fr: () => 'Pare-feu actif', en: () => 'Firewall active' },
  FIREWALL_DISABLED: { fr: () => 'Aucun pare-feu actif', en: () => 'No active firewall' },
  SECURITY_UPDATES_PENDING: {
    fr: (c, f) =>
      when(
        c.num('security'),
        (n) => `${f.plural(n, 'mise à jour de sécurité', 'mises à jour de sécurité')} en attente${when(c.num('pending'), (p) => ` (${f.num(p, 0)} au total)`)}`,
        'Mises à jour de sécurité en attente',
      ),
    en: (c, f) =>
      when(
        c.num('security'),
        (n) => `${f.plural(n, 'security update', 'security updates')} pending${when(c.num('pending'), (p) => ` (${f.num(p, 0)} in all)`)}`,
        'Security updates pending',
      ),
  },
  UPDATES_PENDING: {
    fr: (c, f) => `${when(c.num('pending'), (n) => updates(n, f), 'Des mises à jour')} en attente, plus que la politique ne l’admet`,
    en: (c, f) => `${when(c.num('pending'), (n) => updates(n, f), 'Updates')} pending, more than the policy allows`,
  },
  UPDATES_OK: {
    fr: (c, f) =>
      when(
        c.num('pending'),
        (n) =>
          n === 0
            ? 'Système à jour'
            : `${updates(n, f)} en attente${when(c.num('security'), (s) => (s === 0 ? ', aucune de sécurité' : `, dont ${f.num(s, 0)} de sécurité`))}`,
        'Mises à jour dans les limites de la politique',
      ),
    en: (c, f) =>
      when(
        c.num('pending'),
        (n) =>
          n === 0
            ? 'System up to date'
            : `${updates(n, f)} pending${when(c.num('security'), (s) => (s === 0 ? ', none for security' : `, ${f.num(s, 0)} for security`))}`,
        'Updates within the policy’s limits',
      ),
  },
  ADMINS_LISTED: {
    fr: (c, f) => adminList(c, f, 'Administrateurs'),
    en: (c, f) => adminList(c, f, 'Administrators'),
  },
  ADMINS_EXPECTED: {
    fr: (c, f) => adminList(c, f, 'Administrateurs conformes à la liste attendue'),
    en: (c, f) => adminList(c, f, 'Administrators as expected'),
  },
  ADMINS_UNEXPECTED: {
    fr: (c) => `${unexpected(c) > 1 ? 'Administrateurs inattendus' : 'Administrateur inattendu'}${when(c.str('unexpected'), (a) => ` : ${a}`)}`,
    en: (c) => `${unexpected(c) > 1 ? 'Unexpected administrators' : 'Unexpected administrator'}${when(c.str('unexpected'), (a) => `: ${a}`)}`,
  },
  USB_STORAGE_BLOCKED: { fr: () => 'Stockage USB (clés, disques) bloqué', en: () => 'USB mass storage blocked' },
  USB_STORAGE_ALLOWED: { fr: () => 'Stockage USB (clés, disques) autorisé', en: () => 'USB mass storage allowed' },
  PASSWORD_POLICY_OK: {
    fr: (c, f) => `Politique de mots de passe${passwordPolicy(c, f)}`,
    en: (c, f) => `Password policy${passwordPolicy(c, f)}`,
  },
  PASSWORD_POLICY_WEAK: {
    fr: (c, f) => `Politique de mots de passe insuffisante${passwordPolicy(c, f)}`,
    en: (c, f) => `Password policy too weak${passwordPolicy(c, f)}`,
  },
  QUOTAS_NONE: { fr: () => 'Aucun système de fichiers avec quotas', en: () => 'No file system mounted with quotas' },
  QUOTAS_CONFIGURED: {
    fr: (c) => `Quotas actifs${when(c.str('filesystems'), (fs) => ` sur ${fs}`)}`,
    en: (c) => `Quotas active${when(c.str('filesystems'), (fs) => ` on ${fs}`)}`,
  },
  QUOTAS_EXCEEDED: {
    fr: (c, f) =>
      `Quotas dépassés${when(c.num('overLimit'), (n) => ` : ${f.plural(n, 'utilisateur ou groupe', 'utilisateurs ou groupes')} au-delà d’une limite`)}${when(c.str('filesystems'), (fs) => ` (${fs})`)}`,
    en: (c, f) =>
      `Quotas exceeded${when(c.num('overLimit'), (n) => `: ${f.plural(n, 'user or group', 'users or groups')} over a limit`)}${when(c.str('filesystems'), (fs) => ` (${fs})`)}`,
  },
  SECURITY_CHECK_FAILED: {
    fr: (c, f) => `Le contrôle ${f.quote(own(SECURITY_ASPECTS, c.target)?.fr ?? c.target)} n’a pas pu être effectué`,
    en: (c, f) => `The ${f.quote(own(SECURITY_ASPECTS, c.target)?.en ?? c.target)} check could not be run`,
  },
};
