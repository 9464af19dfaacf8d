import type { CheckFormat } from '../format.js';
import type { CheckFacts, CheckTexts } from '../messages.js';
import { own, when } from '../phrase.js';
import { refusedAddress } from './network.js';

// agent/src/site/snmp/checks.ts, devices without an agent watched by a site agent.
// snmp-reachable: target `<address>:<port>`, values sysName, pingAlive (null: not pinged).
// snmp-interface: values name, alias, operStatus, speedBps.
// snmp-supply: target `<address>:<port> supply <label>`, values description, percent.
// snmp-ups: values outputSource, batteryStatus, chargePct, minutesRemaining, secondsOnBattery, selfTest.

type Words = { fr: string; en: string };

function device(c: CheckFacts): string {
  return `${c.target}${when(c.str('sysName'), (n) => ` (${n})`)}`;
}
/** Whether the device that does not answer SNMP answers ping. */
function ping(c: CheckFacts, f: CheckFormat): string {
  const alive = c.bool('pingAlive');
  if (alive === undefined) return '';
  if (f.locale === 'fr') return alive ? ' ; il répond au ping' : ' ; il ne répond pas non plus au ping';
  return alive ? '; it answers ping' : '; it does not answer ping either';
}

const iface = (c: CheckFacts) => `Interface ${c.str('name') ?? c.target}${when(c.str('alias'), (a) => ` (${a})`)}`;
const speed = (c: CheckFacts, f: CheckFormat) => when(c.num('speedBps'), (bps) => (bps > 0 ? ` (${f.bitrate(bps)})` : ''));
const NO_LINK: Words = { fr: 'sans lien', en: 'has no link' };
const LINK_DOWN: Record<string, Words> = {
  notPresent: { fr: 'absente (module retiré ?)', en: 'is not present (module removed?)' },
  lowerLayerDown: { fr: 'hors service (couche inférieure en panne)', en: 'is down (lower layer down)' },
};
const linkDown = (c: CheckFacts, f: CheckFormat) => (own(LINK_DOWN, c.str('operStatus')) ?? NO_LINK)[f.locale];

/** The printer's own name for the supply, else the target's label. */
function supply(c: CheckFacts): string {
  const at = c.target.indexOf(' supply ');
  return c.str('description') ?? (at >= 0 ? c.target.slice(at + 8) : c.target);
}
function left(c: CheckFacts, f: CheckFormat): string | undefined {
  const p = c.num('percent');
  return p === undefined ? undefined : f.locale === 'fr' ? `reste ${f.pct(p)}` : `${f.pct(p)} left`;
}

const OUTPUT: Record<string, Words> = {
  normal: { fr: 'sur secteur', en: 'on mains power' },
  battery: { fr: 'sur batterie', en: 'on battery' },
  bypass: { fr: 'en dérivation (bypass)', en: 'on bypass' },
  booster: { fr: 'sur secteur, tension relevée', en: 'on mains power, boosting the voltage' },
  reducer: { fr: 'sur secteur, tension abaissée', en: 'on mains power, reducing the voltage' },
  none: { fr: 'sans sortie', en: 'with no output' },
  other: { fr: 'sur une autre source', en: 'on another source' },
  unknown: { fr: 'en service, source inconnue', en: 'in service, unknown source' },
};
/** ` (charge 87 %, autonomie 25 min)`. */
function battery(c: CheckFacts, f: CheckFormat): string {
  const parts = [
    when(c.num('chargePct'), (p) => `charge ${f.pct(p)}`),
    when(c.num('minutesRemaining'), (m) => (f.locale === 'fr' ? `autonomie ${f.minutes(m)}` : `${f.minutes(m)} runtime`)),
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
const ups = (f: CheckFormat) => (f.locale === 'fr' ? 'Onduleur' : 'UPS');

export const SNMP_TEXTS: CheckTexts = {
  SNMP_OK: { fr: (c) => `${device(c)} répond en SNMP`, en: (c) => `${device(c)} answers SNMP` },
  SNMP_TIMEOUT: {
    fr: (c, f) => `${device(c)} ne répond pas en SNMP (délai dépassé)${ping(c, f)}`,
    en: (c, f) => `${device(c)} does not answer SNMP (timed out)${ping(c, f)}`,
  },
  SNMP_AUTH_FAILED: {
    fr: (c, f) => `${device(c)} refuse l’accès SNMP (communauté ou identifiants refusés)${ping(c, f)}`,
    en: (c, f) => `${device(c)} refuses SNMP access (community or credentials rejected)${ping(c, f)}`,
  },
  SNMP_TARGET_REFUSED: {
    fr: (c, f) => `${c.target} n’est pas interrogé : ${refusedAddress(c, f)}`,
    en: (c, f) => `${c.target} is not polled: ${refusedAddress(c, f)}`,
  },
  SNMP_ERROR: {
    fr: (c, f) => `${device(c)} : échec de la requête SNMP${ping(c, f)}`,
    en: (c, f) => `${device(c)}: SNMP request failed${ping(c, f)}`,
  },
  IF_UP: { fr: (c, f) => `${iface(c)} active${speed(c, f)}`, en: (c, f) => `${iface(c)} up${speed(c, f)}` },
  IF_DORMANT: { fr: (c) => `${iface(c)} en veille (en attente de trafic)`, en: (c) => `${iface(c)} dormant (waiting for traffic)` },
  IF_STATUS_UNKNOWN: { fr: (c) => `${iface(c)} : l’équipement ne connaît pas son état`, en: (c) => `${iface(c)}: the device does not know its state` },
  IF_TESTING: { fr: (c) => `${iface(c)} en mode test`, en: (c) => `${iface(c)} in test mode` },
  IF_DOWN: { fr: (c, f) => `${iface(c)} activée mais ${linkDown(c, f)}`, en: (c, f) => `${iface(c)} enabled but ${linkDown(c, f)}` },
  SUPPLY_OK: { fr: (c, f) => `${supply(c)} : ${left(c, f) ?? 'niveau correct'}`, en: (c, f) => `${supply(c)}: ${left(c, f) ?? 'level fine'}` },
  SUPPLY_LOW: {
    fr: (c, f) => `${supply(c)} : niveau bas${when(left(c, f), (l) => `, ${l}`)}`,
    en: (c, f) => `${supply(c)}: running low${when(left(c, f), (l) => `, ${l}`)}`,
  },
  SUPPLY_CRITICAL: {
    fr: (c, f) => `${supply(c)} : presque vide${when(left(c, f), (l) => `, ${l}`)}`,
    en: (c, f) => `${supply(c)}: nearly empty${when(left(c, f), (l) => `, ${l}`)}`,
  },
  SUPPLY_EMPTY: { fr: (c) => `${supply(c)} : vide`, en: (c) => `${supply(c)}: empty` },
  SUPPLY_FILL_LEVEL: {
    fr: (c, f) => `${supply(c)} : rempli${when(c.num('percent'), (p) => ` à ${f.pct(p)}`)}`,
    en: (c, f) => `${supply(c)}: ${when(c.num('percent'), (p) => `${f.pct(p)} full`, 'filling up')}`,
  },
  SUPPLY_LEVEL_UNKNOWN: { fr: (c) => `${supply(c)} : niveau inconnu de l’imprimante`, en: (c) => `${supply(c)}: level unknown to the printer` },
  SUPPLY_SOME_REMAINING: {
    fr: (c) => `${supply(c)} : il en reste (l’imprimante ne donne pas le niveau)`,
    en: (c) => `${supply(c)}: some remaining (the printer does not give the level)`,
  },
  UPS_OK: {
    fr: (c, f) => `${ups(f)} ${own(OUTPUT, c.str('outputSource'))?.fr ?? 'en service'}${battery(c, f)}`,
    en: (c, f) => `${ups(f)} ${own(OUTPUT, c.str('outputSource'))?.en ?? 'in service'}${battery(c, f)}`,
  },
  UPS_ON_BATTERY: {
    fr: (c, f) => `${ups(f)} sur batterie${when(c.num('secondsOnBattery'), (s) => (s > 0 ? ` depuis ${f.seconds(s)}` : ''))}${battery(c, f)}`,
    en: (c, f) => `${ups(f)} on battery${when(c.num('secondsOnBattery'), (s) => (s > 0 ? ` for ${f.seconds(s)}` : ''))}${battery(c, f)}`,
  },
  UPS_BATTERY_DEPLETED: { fr: (c, f) => `${ups(f)} : batterie épuisée${battery(c, f)}`, en: (c, f) => `${ups(f)}: battery depleted${battery(c, f)}` },
  UPS_BATTERY_LOW: { fr: (c, f) => `${ups(f)} : batterie faible${battery(c, f)}`, en: (c, f) => `${ups(f)}: battery low${battery(c, f)}` },
  UPS_SELF_TEST_FAILED: {
    fr: (c, f) => `${ups(f)} : dernier autotest ${c.str('selfTest') === 'warning' ? 'terminé avec un avertissement' : 'en échec'}${battery(c, f)}`,
    en: (c, f) => `${ups(f)}: last self-test ${c.str('selfTest') === 'warning' ? 'finished with a warning' : 'failed'}${battery(c, f)}`,
  },
};
