import type { CheckTexts } from '../messages.js';
import { when } from '../phrase.js';

// agent/src/probes/antivirus: one result per product (the target is its name; `*` when there is
// none), named by its worst finding; values signatureAgeHours, signaturesUpdatedAt and lastScanAt
// (ISO text or null), enabled, realTime.

export const ANTIVIRUS_TEXTS: CheckTexts = {
  AV_OK: {
    fr: (c, f) => `${c.target} : actif, signatures à jour${when(c.num('signatureAgeHours'), (h) => ` (mises à jour il y a ${f.hours(h)})`)}`,
    en: (c, f) => `${c.target}: enabled, signatures up to date${when(c.num('signatureAgeHours'), (h) => ` (updated ${f.hours(h)} ago)`)}`,
  },
  AV_NOT_INSTALLED: {
    fr: () => 'Aucun antivirus installé',
    en: () => 'No antivirus product installed',
  },
  AV_DISABLED: {
    fr: (c) => `${c.target} : antivirus désactivé`,
    en: (c) => `${c.target}: antivirus disabled`,
  },
  AV_STANDBY: {
    fr: (c) => `${c.target} : en veille, un autre antivirus protège le poste`,
    en: (c) => `${c.target}: on standby, another antivirus protects the machine`,
  },
  AV_NO_SIGNATURES: {
    fr: (c) => `${c.target} : aucune base de signatures`,
    en: (c) => `${c.target}: no signature database`,
  },
  AV_SIGNATURES_OUTDATED: {
    fr: (c, f) =>
      `${c.target} : ${when(c.num('signatureAgeHours'), (h) => `signatures non mises à jour depuis ${f.hours(h)}`, 'signatures périmées, selon le produit')}`,
    en: (c, f) =>
      `${c.target}: ${when(c.num('signatureAgeHours'), (h) => `signatures not updated for ${f.hours(h)}`, 'signatures out of date, says the product')}`,
  },
  AV_REALTIME_OFF: {
    fr: (c) => `${c.target} : protection en temps réel désactivée`,
    en: (c) => `${c.target}: real-time protection off`,
  },
  AV_SCAN_OVERDUE: {
    fr: (c, f) => `${c.target} : ${when(c.str('lastScanAt'), (at) => `aucune analyse depuis le ${f.date(at)}`, 'aucune analyse n’a encore été faite')}`,
    en: (c, f) => `${c.target}: ${when(c.str('lastScanAt'), (at) => `no scan since ${f.date(at)}`, 'never scanned')}`,
  },
};
