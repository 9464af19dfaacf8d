import type { CheckTexts } from '../messages.js';
import { own } from '../phrase.js';

// agent/src/probes/runner.ts: a probe that threw or timed out reports `PROBE_ERROR` under its own
// check type (the probe's id), target `*`; the reason is in the agent's message only.

const PROBES: Record<string, { fr: string; en: string }> = {
  backup: { fr: 'sauvegarde', en: 'backup' },
  antivirus: { fr: 'antivirus', en: 'antivirus' },
  network: { fr: 'réseau', en: 'network' },
  services: { fr: 'services', en: 'services' },
  security: { fr: 'sécurité', en: 'security' },
  patches: { fr: 'mises à jour', en: 'updates' },
  inventory: { fr: 'inventaire', en: 'inventory' },
};

export const PROBE_RUNNER_TEXTS: CheckTexts = {
  PROBE_ERROR: {
    fr: (c, f) => `La sonde ${f.quote(own(PROBES, c.check)?.fr ?? c.check)} n’a pas pu s’exécuter`,
    en: (c, f) => `The ${f.quote(own(PROBES, c.check)?.en ?? c.check)} probe could not run`,
  },
};
