import type { CheckFormat } from '../format.js';
import type { CheckFacts, CheckTexts } from '../messages.js';
import { when } from '../phrase.js';

// agent/src/site/flows-role.ts: the site agent's NetFlow/IPFIX receiver reports every few minutes
// (target `<bind>:<port>`); values datagrams, refused, decodeErrors since the previous report,
// recentlyRefused (comma-separated senders).

const receiver = (c: CheckFacts, f: CheckFormat) => (f.locale === 'fr' ? `Récepteur de flux ${c.target}` : `Flow receiver ${c.target}`);

export const FLOW_RECEIVER_TEXTS: CheckTexts = {
  FLOWS_OK: {
    fr: (c, f) =>
      `${receiver(c, f)} : ${when(c.num('datagrams'), (n) => f.plural(n, 'datagramme reçu', 'datagrammes reçus'), 'flux reçus')} depuis le relevé précédent`,
    en: (c, f) => `${receiver(c, f)}: ${when(c.num('datagrams'), (n) => f.plural(n, 'datagram', 'datagrams'), 'flows')} received since the previous report`,
  },
  FLOWS_SILENT: {
    fr: (c, f) => `${receiver(c, f)} : aucun flux reçu depuis le relevé précédent`,
    en: (c, f) => `${receiver(c, f)}: no flow received since the previous report`,
  },
  FLOWS_DECODE_ERRORS: {
    fr: (c, f) =>
      `${receiver(c, f)} : ${when(c.num('decodeErrors'), (n) => f.plural(n, 'datagramme illisible', 'datagrammes illisibles'), 'datagrammes illisibles')}` +
      `${when(c.num('datagrams'), (n) => ` sur ${f.num(n, 0)}`)} depuis le relevé précédent`,
    en: (c, f) =>
      `${receiver(c, f)}: ${when(c.num('decodeErrors'), (n) => f.plural(n, 'unreadable datagram', 'unreadable datagrams'), 'unreadable datagrams')}` +
      `${when(c.num('datagrams'), (n) => ` out of ${f.num(n, 0)}`)} since the previous report`,
  },
  FLOWS_REFUSED: {
    fr: (c, f) =>
      `${receiver(c, f)} : ${when(c.num('refused'), (n) => f.plural(n, 'datagramme refusé', 'datagrammes refusés'), 'datagrammes refusés')} ` +
      `${when(c.str('recentlyRefused'), (from) => `de ${from}`, 'd’expéditeurs inconnus')} ; ajoutez ces expéditeurs aux exportateurs autorisés s’ils sont légitimes`,
    en: (c, f) =>
      `${receiver(c, f)}: ${when(c.num('refused'), (n) => f.plural(n, 'datagram', 'datagrams'), 'datagrams')} refused ` +
      `from ${c.str('recentlyRefused') ?? 'unknown senders'}; add these senders to the allowed exporters if they are legitimate`,
  },
};
