import { checkLabel, targetLabel } from '@vigie/shared/checks';
import { currentLang, type MessageKey, t, tOr } from './i18n/i18n.js';

/** Labels instead of identifiers (issue 18): a check, its target, an inventory change, in the reader's language. */
export const checkName = (check: string) => checkLabel(check, currentLang());
export const targetName = (check: string, target: string) => targetLabel(check, target, currentLang());

/** Severity first, then the oldest: critical, warning, unknown, ok. */
const RANK: Record<string, number> = { critical: 0, warning: 1, unknown: 2, ok: 3 };
export const severityRank = (status: string) => RANK[status] ?? 4;

/** An inventory section as a reader names it (`memory.modules` → « Barrettes mémoire »). */
export const sectionName = (section: string) => tOr(`inventory.section.${section}`, section);

/** An inventory change's item: the agent's key, or what it stands for (`first inventory`). */
export const changeItemName = (key: string) => (key === 'first inventory' ? t('history.firstInventory') : key);

/** What a rule watches, in words (« Mesure Processeur (%) au-dessus de 90 pendant 5 min »). */
export function ruleText(type: string, params: Record<string, unknown>, metricName: (m: string) => string): string {
  switch (type) {
    case 'threshold':
      return t(params.op === '<' ? 'rules.text.below' : 'rules.text.above', {
        metric: metricName(String(params.metric ?? '')),
        value: String(params.value ?? ''),
        duration: Number(params.forSec ?? 0) >= 60 ? `${Math.round(Number(params.forSec) / 60)} min` : `${Number(params.forSec ?? 0)} s`,
      });
    case 'absence':
      return t('rules.text.absence', { minutes: String(params.minutes ?? '') });
    case 'check': {
      const codes = Array.isArray(params.codes) && params.codes.length ? t('rules.text.codes', { codes: params.codes.join(', ') }) : '';
      return t('rules.text.check', {
        check: params.check ? checkName(String(params.check)) : t('rules.text.anyCheck'),
        status: tOr(`state.${String(params.minStatus ?? 'warning')}`, String(params.minStatus ?? '')),
        codes,
      });
    }
    case 'warranty':
      return t('rules.text.warranty', { days: String(params.days ?? '') });
    default:
      return Object.entries(params)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
  }
}

/** A metric's name as the charts title it (`cpu.usage_pct` → « Processeur (%) »), else its id. */
export function metricName(name: string): string {
  return tOr(`metricName.${name}`, name);
}

export type { MessageKey };
