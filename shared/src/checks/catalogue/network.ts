import type { CheckFormat } from '../format.js';
import type { CheckFacts, CheckTexts } from '../messages.js';
import { own, when } from '../phrase.js';

// agent/src/probes/network: targets `ping <host>`, `http <url>`, `tls <host[:port]>`,
// `tcp <host>:<port>`, `dns <name>[ @resolver]`, `interface <name>`. Values: ping role, lossPct,
// rttAvgMs; http status, responseMs, error (the system's code); tls daysLeft, validTo (ISO);
// tcp connectMs, error; dns resolveMs, answers; interface speedMbps, newErrors.

/** The target without its `ping ` / `http ` / … prefix. */
const subject = (c: CheckFacts) => c.target.slice(c.target.indexOf(' ') + 1);

const HOST = { fr: 'L’hôte', en: 'Host' };
const PING_ROLES: Record<string, { fr: string; en: string }> = {
  gateway: { fr: 'La passerelle par défaut', en: 'The default gateway' },
  internet: { fr: 'La cible Internet', en: 'The Internet target' },
};
const pinged = (c: CheckFacts, f: CheckFormat) => `${(own(PING_ROLES, c.str('role')) ?? HOST)[f.locale]} ${subject(c)}`;
const lossPct = (c: CheckFacts) => c.num('lossPct');

/** `https://intranet.acme.fr/x` → `intranet.acme.fr`. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
}
const error = (c: CheckFacts) => when(c.str('error'), (e) => ` (${e})`);

/** `tcp 10.0.0.5:3389` → host `10.0.0.5`, port `3389`. */
function hostPort(c: CheckFacts): { host: string; port: string } {
  const s = subject(c);
  const colon = s.lastIndexOf(':');
  return colon > 0 ? { host: s.slice(0, colon), port: s.slice(colon + 1) } : { host: s, port: '?' };
}
/** `dns intranet.acme.fr @10.0.0.1` → name and ` via 10.0.0.1`. */
function dnsName(c: CheckFacts): { name: string; via: string } {
  const [name = '', resolver] = subject(c).split(' @');
  return { name, via: resolver ? ` via ${resolver}` : '' };
}

/** `avec le code HTTP 503 (erreur du serveur)`. */
function httpStatus(c: CheckFacts, f: CheckFormat): string {
  const fr = f.locale === 'fr';
  const status = c.num('status');
  if (status === undefined) return fr ? 'avec une erreur HTTP' : 'with an HTTP error';
  const kind = status >= 500 ? ['erreur du serveur', 'server error'] : status >= 400 ? ['erreur', 'error'] : ['inattendu', 'unexpected'];
  return fr ? `avec le code HTTP ${status} (${kind[0]})` : `with HTTP status ${status} (${kind[1]})`;
}

const certDate = (c: CheckFacts) => c.str('validTo');

/** Why the agent's outbound guard refused an address (agent/src/outbound, value `reason`). */
const REFUSED: Record<string, { fr: string; en: string }> = {
  metadata: { fr: 'une adresse de métadonnées cloud', en: 'a cloud metadata address' },
  'link-local': { fr: 'une adresse locale au lien', en: 'a link-local address' },
  unspecified: { fr: 'une adresse non spécifiée (la machine elle-même)', en: 'an unspecified address (the machine itself)' },
  multicast: { fr: 'une adresse multicast', en: 'a multicast address' },
  reserved: { fr: 'une adresse réservée ou de diffusion', en: 'a reserved or broadcast address' },
};
const OPT_IN = new Set(['metadata', 'link-local']);
/** `169.254.169.254 est une adresse de métadonnées cloud : autorisez …` — shared with the SNMP texts. */
export function refusedAddress(c: CheckFacts, f: CheckFormat): string {
  const fr = f.locale === 'fr';
  const reason = c.str('reason');
  const what = own(REFUSED, reason)?.[f.locale] ?? (fr ? 'une adresse refusée' : 'a refused address');
  const hint =
    reason && OPT_IN.has(reason)
      ? fr
        ? ' : autorisez les adresses locales au lien dans la politique pour l’atteindre'
        : ': allow link-local addresses in the policy to reach it'
      : '';
  return `${c.str('address') ?? (fr ? 'l’adresse' : 'the address')} ${fr ? 'est' : 'is'} ${what}${hint}`;
}

export const NETWORK_TEXTS: CheckTexts = {
  PING_OK: {
    fr: (c, f) => {
      const figures = [when(lossPct(c), (l) => `${f.pct(l)} de perte`), when(c.num('rttAvgMs'), (ms) => `${f.ms(ms)} en moyenne`)].filter(Boolean);
      return `${pinged(c, f)} répond au ping${figures.length ? ` (${figures.join(', ')})` : ''}`;
    },
    en: (c, f) => {
      const figures = [when(lossPct(c), (l) => `${f.pct(l)} loss`), when(c.num('rttAvgMs'), (ms) => `${f.ms(ms)} on average`)].filter(Boolean);
      return `${pinged(c, f)} answers ping${figures.length ? ` (${figures.join(', ')})` : ''}`;
    },
  },
  PING_LOSS: {
    fr: (c, f) => `${pinged(c, f)} perd ${when(lossPct(c), (l) => `${f.pct(l)} des`, 'des')} paquets de ping`,
    en: (c, f) => `${pinged(c, f)} loses ${when(lossPct(c), (l) => `${f.pct(l)} of`, 'some')} ping packets`,
  },
  HOST_UNREACHABLE: {
    fr: (c, f) => `${pinged(c, f)} ne répond pas au ping${when(lossPct(c), (l) => ` (${f.pct(l)} de perte)`)}`,
    en: (c, f) => `${pinged(c, f)} does not answer ping${when(lossPct(c), (l) => ` (${f.pct(l)} loss)`)}`,
  },
  // The system's ping program is missing (or may not be run): nothing is known of the host.
  PING_UNAVAILABLE: {
    fr: (c) =>
      `${subject(c)} n’a pas pu être pingé : le programme ping est absent de cette machine ou ne peut pas être lancé (sous Debian ou Ubuntu : paquet iputils-ping)`,
    en: (c) => `${subject(c)} could not be pinged: the ping program is missing on this machine or cannot be run (on Debian or Ubuntu: package iputils-ping)`,
  },
  HTTP_OK: {
    fr: (c, f) => `${subject(c)} répond${when(c.num('status'), (s) => ` (HTTP ${s})`)}${when(c.num('responseMs'), (ms) => ` en ${f.ms(ms)}`)}`,
    en: (c, f) => `${subject(c)} answered${when(c.num('status'), (s) => ` (HTTP ${s})`)}${when(c.num('responseMs'), (ms) => ` in ${f.ms(ms)}`)}`,
  },
  HTTP_STATUS: {
    fr: (c, f) => `${subject(c)} répond ${httpStatus(c, f)}`,
    en: (c, f) => `${subject(c)} answered ${httpStatus(c, f)}`,
  },
  HTTP_TEXT_MISSING: {
    fr: (c) => `${subject(c)} ne contient pas le texte attendu`,
    en: (c) => `${subject(c)} does not contain the expected text`,
  },
  HTTP_TIMEOUT: {
    fr: (c) => `${subject(c)} ne répond pas dans le délai imparti`,
    en: (c) => `${subject(c)} did not answer in time`,
  },
  HTTP_UNREACHABLE: {
    fr: (c) => `${subject(c)} est injoignable${error(c)}`,
    en: (c) => `${subject(c)} cannot be reached${error(c)}`,
  },
  HTTP_DNS_FAILED: {
    fr: (c) => `${hostOf(subject(c))} ne se résout pas (DNS) : ${subject(c)} est injoignable`,
    en: (c) => `${hostOf(subject(c))} does not resolve (DNS): ${subject(c)} cannot be reached`,
  },
  HTTP_BAD_URL: {
    fr: (c) => `Adresse à vérifier invalide : ${subject(c)}`,
    en: (c) => `Not a valid address to check: ${subject(c)}`,
  },
  TARGET_REFUSED: {
    fr: (c, f) => `${subject(c)} n’est pas vérifié : ${refusedAddress(c, f)}`,
    en: (c, f) => `${subject(c)} is not checked: ${refusedAddress(c, f)}`,
  },
  HTTP_TARGET_REFUSED: {
    fr: (c) =>
      `${hostOf(subject(c))} est une adresse locale au lien ou de métadonnées${when(c.str('address'), (a) => ` (${a})`)} : autorisez-la dans la politique pour la vérifier`,
    en: (c) => `${hostOf(subject(c))} is a link-local or metadata address${when(c.str('address'), (a) => ` (${a})`)}: allow it in the policy to check it`,
  },
  TLS_UNTRUSTED: {
    fr: (c) => `Le certificat du site ${hostOf(subject(c))} n’est pas reconnu comme fiable${error(c)}`,
    en: (c) => `The certificate of ${hostOf(subject(c))} is not trusted${error(c)}`,
  },
  TLS_CERT_OK: {
    fr: (c, f) =>
      `Certificat du site ${subject(c)} valable${when(c.num('daysLeft'), (d) => ` encore ${f.days(d)}`)}${when(certDate(c), (d) => `, jusqu’au ${f.date(d)}`)}`,
    en: (c, f) =>
      `Certificate of ${subject(c)} valid${when(c.num('daysLeft'), (d) => ` for ${f.days(d)} more`)}${when(certDate(c), (d) => `, until ${f.date(d)}`)}`,
  },
  TLS_CERT_EXPIRING: {
    fr: (c, f) =>
      `Le certificat du site ${subject(c)} expire ${when(c.num('daysLeft'), (d) => (d < 1 ? 'dans moins d’un jour' : `dans ${f.days(d)}`), 'bientôt')}${when(certDate(c), (d) => `, le ${f.date(d)}`)}`,
    en: (c, f) =>
      `The certificate of ${subject(c)} expires ${when(c.num('daysLeft'), (d) => (d < 1 ? 'in less than a day' : `in ${f.days(d)}`), 'soon')}${when(certDate(c), (d) => `, on ${f.date(d)}`)}`,
  },
  TLS_CERT_EXPIRED: {
    fr: (c, f) => `Le certificat du site ${subject(c)} a expiré${when(certDate(c), (d) => ` le ${f.date(d)}`)}`,
    en: (c, f) => `The certificate of ${subject(c)} expired${when(certDate(c), (d) => ` on ${f.date(d)}`)}`,
  },
  TCP_OPEN: {
    fr: (c, f) => `${hostPort(c).host} accepte les connexions sur le port ${hostPort(c).port}${when(c.num('connectMs'), (ms) => ` (${f.ms(ms)})`)}`,
    en: (c, f) => `${hostPort(c).host} accepts connections on port ${hostPort(c).port}${when(c.num('connectMs'), (ms) => ` (${f.ms(ms)})`)}`,
  },
  TCP_CLOSED: {
    fr: (c) => `${hostPort(c).host} n’accepte pas de connexion sur le port ${hostPort(c).port}${error(c)}`,
    en: (c) => `${hostPort(c).host} does not accept connections on port ${hostPort(c).port}${error(c)}`,
  },
  DNS_OK: {
    fr: (c, f) =>
      `${dnsName(c).name} se résout${dnsName(c).via}${when(c.num('resolveMs'), (ms) => ` en ${f.ms(ms)}`)}${when(c.num('answers'), (n) => ` (${f.plural(n, 'adresse', 'adresses')})`)}`,
    en: (c, f) =>
      `${dnsName(c).name} resolves${dnsName(c).via}${when(c.num('resolveMs'), (ms) => ` in ${f.ms(ms)}`)}${when(c.num('answers'), (n) => ` (${f.plural(n, 'address', 'addresses')})`)}`,
  },
  DNS_FAILED: {
    fr: (c) => `${dnsName(c).name} ne se résout pas${dnsName(c).via}`,
    en: (c) => `${dnsName(c).name} does not resolve${dnsName(c).via}`,
  },
  INTERFACE_OK: {
    fr: (c, f) => `Interface ${subject(c)} active${when(c.num('speedMbps'), (s) => (s > 0 ? ` à ${f.bitrate(s * 1e6)}` : ''))}`,
    en: (c, f) => `Interface ${subject(c)} up${when(c.num('speedMbps'), (s) => (s > 0 ? ` at ${f.bitrate(s * 1e6)}` : ''))}`,
  },
  INTERFACE_DOWN: {
    fr: (c) => `Interface ${subject(c)} hors service (pas de lien)`,
    en: (c) => `Interface ${subject(c)} is down (no link)`,
  },
  INTERFACE_ERRORS: {
    fr: (c, f) =>
      `Interface ${subject(c)} : ${when(c.num('newErrors'), (n) => f.plural(n, 'nouvelle erreur', 'nouvelles erreurs'), 'des erreurs')} de transmission depuis la vérification précédente`,
    en: (c, f) => `Interface ${subject(c)}: ${when(c.num('newErrors'), (n) => f.plural(n, 'new error', 'new errors'), 'errors')} since the previous check`,
  },
  INTERFACE_SLOW_LINK: {
    fr: (c, f) => `Interface ${subject(c)} connectée${when(c.num('speedMbps'), (s) => ` à ${f.bitrate(s * 1e6)}`)}, moins que le débit attendu`,
    en: (c, f) => `Interface ${subject(c)} linked${when(c.num('speedMbps'), (s) => ` at ${f.bitrate(s * 1e6)}`)}, below the expected speed`,
  },
};
