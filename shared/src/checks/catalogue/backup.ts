import type { CheckFormat } from '../format.js';
import type { CheckFacts, CheckTexts } from '../messages.js';
import { own, when } from '../phrase.js';

// agent/src/probes/backup: target `<kind> <name>` (restic, borg, folder, command, veeam) or the
// platform's own (`time-machine`, `windows-server-backup`, `veeam`, `native` when it could not be
// read); values ageHours (of the last success, null without one), lastSuccessAt (UTC ms), sizeBytes.

const KINDS: Record<string, { fr: string; en: string }> = {
  restic: { fr: 'Dépôt restic', en: 'restic repository' },
  borg: { fr: 'Dépôt Borg', en: 'Borg repository' },
  folder: { fr: 'Dossier de sauvegarde', en: 'Backup folder' },
  command: { fr: 'Commande de sauvegarde', en: 'Backup command' },
  veeam: { fr: 'Tâche Veeam', en: 'Veeam job' },
};
const PLATFORM: Record<string, { fr: string; en: string }> = {
  'time-machine': { fr: 'Sauvegarde Time Machine', en: 'Time Machine backup' },
  'windows-server-backup': { fr: 'Sauvegarde Windows Server', en: 'Windows Server Backup' },
  veeam: { fr: 'Sauvegarde Veeam', en: 'Veeam backup' },
  native: { fr: 'Sauvegarde du système', en: 'System backup' },
};

/** `restic nas-acme` → `Dépôt restic « nas-acme »`. */
function name(c: CheckFacts, f: CheckFormat): string {
  const platform = own(PLATFORM, c.target);
  if (platform) return platform[f.locale];
  const space = c.target.indexOf(' ');
  const kind = space > 0 ? own(KINDS, c.target.slice(0, space)) : undefined;
  return kind ? `${kind[f.locale]} ${f.quote(c.target.slice(space + 1))}` : c.target;
}

const age = (c: CheckFacts) => c.num('ageHours');

export const BACKUP_TEXTS: CheckTexts = {
  BACKUP_OK: {
    fr: (c, f) => `${name(c, f)} : ${when(age(c), (h) => `dernière sauvegarde réussie il y a ${f.hours(h)}`, 'la dernière sauvegarde a réussi')}`,
    en: (c, f) => `${name(c, f)}: ${when(age(c), (h) => `last successful backup ${f.hours(h)} ago`, 'the last backup succeeded')}`,
  },
  BACKUP_TOO_OLD: {
    fr: (c, f) =>
      `${name(c, f)} : ${when(age(c), (h) => `aucune sauvegarde réussie depuis ${f.hours(h)}`, 'dernière sauvegarde réussie trop ancienne')}` +
      when(c.num('lastSuccessAt'), (at) => ` (la dernière le ${f.dateTime(at)})`),
    en: (c, f) =>
      `${name(c, f)}: ${when(age(c), (h) => `no successful backup for ${f.hours(h)}`, 'the last successful backup is too old')}` +
      when(c.num('lastSuccessAt'), (at) => ` (the last on ${f.dateTime(at)})`),
  },
  BACKUP_WARNING: {
    fr: (c, f) => `${name(c, f)} : la dernière sauvegarde s’est terminée avec des avertissements${when(age(c), (h) => ` (il y a ${f.hours(h)})`)}`,
    en: (c, f) => `${name(c, f)}: the last backup finished with warnings${when(age(c), (h) => ` (${f.hours(h)} ago)`)}`,
  },
  BACKUP_FAILED: {
    fr: (c, f) => `${name(c, f)} : la dernière sauvegarde a échoué${when(age(c), (h) => ` ; dernière réussie il y a ${f.hours(h)}`)}`,
    en: (c, f) => `${name(c, f)}: the last backup failed${when(age(c), (h) => `; last success ${f.hours(h)} ago`)}`,
  },
  BACKUP_NONE: {
    fr: (c, f) => `${name(c, f)} : aucune sauvegarde trouvée`,
    en: (c, f) => `${name(c, f)}: no backup found`,
  },
  BACKUP_REPO_UNREADABLE: {
    fr: (c, f) => `${name(c, f)} : le dépôt de sauvegarde est illisible`,
    en: (c, f) => `${name(c, f)}: the backup repository cannot be read`,
  },
  BACKUP_FOLDER_MISSING: {
    fr: (c, f) => `${name(c, f)} : le dossier de sauvegarde n’existe pas`,
    en: (c, f) => `${name(c, f)}: the backup folder does not exist`,
  },
  BACKUP_DESTINATION_UNAVAILABLE: {
    fr: (c, f) => `${name(c, f)} : la destination de sauvegarde est injoignable`,
    en: (c, f) => `${name(c, f)}: the backup destination is not reachable`,
  },
  BACKUP_CHECK_ERROR: {
    fr: (c, f) => `${name(c, f)} : la sauvegarde n’a pas pu être vérifiée`,
    en: (c, f) => `${name(c, f)}: the backup could not be checked`,
  },
};
