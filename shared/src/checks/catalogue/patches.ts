import type { CheckFacts, CheckTexts } from '../messages.js';
import { when } from '../phrase.js';

// agent/src/probes/patches: one result (target `pending`) summing up the list the probe reported
// (the list itself travels as a `patches` message). Values: source (apt, dnf, yum, zypper,
// windows-update, softwareupdate), pending, security, rebootPending (null: the platform cannot tell).

const restart = (c: CheckFacts, fr: boolean) => (c.bool('rebootPending') ? (fr ? '\u00a0; un redémarrage est en attente' : '; a restart is pending') : '');

export const PATCHES_TEXTS: CheckTexts = {
  PATCHES_NONE_PENDING: {
    fr: (c) => `Aucune mise à jour en attente${restart(c, true)}`,
    en: (c) => `No pending update${restart(c, false)}`,
  },
  PATCHES_PENDING_LISTED: {
    fr: (c, f) =>
      `${when(c.num('pending'), (n) => f.plural(n, 'mise à jour', 'mises à jour'), 'Des mises à jour')} en attente${when(c.num('security'), (s) => ` dont ${f.plural(s, 'de sécurité', 'de sécurité')}`)}${restart(c, true)}`,
    en: (c, f) =>
      `${when(c.num('pending'), (n) => f.plural(n, 'update', 'updates'), 'Updates')} pending${when(c.num('security'), (s) => `, ${f.num(s, 0)} for security`)}${restart(c, false)}`,
  },
};
