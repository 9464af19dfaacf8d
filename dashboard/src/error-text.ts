import type { TSchema } from '@sinclair/typebox';
import { type FieldProblem, fieldName, fieldProblems, LocalDateText, MonthText, TimeText } from '@vigie/shared/api';
import { ApiError } from './api.js';
import { fmt, type MessageKey, t, tOr } from './i18n/i18n.js';

/**
 * Every error in the reader's language (issue 18): the collector's reason with its values, else the
 * field at fault and the rule it broke, else the code's sentence. A form checks its body against
 * the same schema the collector uses before sending, and says what is wrong the same way.
 */

/** A field's label from its JSON pointer: `/buyer/siren` → « SIREN ». */
export function fieldLabel(pointer: string): string {
  // A price of a grid is named as its cell is in the form: « Programmée · Sur site — journée ».
  const cell = /\/grid\/(programmed|urgent)\/(on_site|remote)\/(day|half_day|hour|quarter_hour)$/.exec(pointer);
  if (cell)
    return t('billing.priceOf', {
      kind: t(`ticket.kind.${cell[1]}` as MessageKey),
      mode: t(`ticket.mode.${cell[2]}` as MessageKey),
      unit: t(`unit.${cell[3]}` as MessageKey),
    });
  const name = fieldName(pointer);
  for (const key of [`field.${name}`, `probe.field.${name}`, `probe.policy.${name}`]) {
    const label = tOr(key, '');
    if (label) return label;
  }
  return name;
}

const PATTERN_FORMATS: Record<string, string> = {
  [LocalDateText.pattern as string]: 'date',
  [MonthText.pattern as string]: 'month',
  [TimeText.pattern as string]: 'time',
};

/** What a field's value should look like, for a pattern or format rule. */
export function formatText(pointer: string, rule: string, limit: unknown): string {
  const byPattern = rule === 'pattern' && typeof limit === 'string' ? PATTERN_FORMATS[limit] : undefined;
  const key = byPattern ?? (rule === 'format' && typeof limit === 'string' ? limit : fieldName(pointer));
  return tOr(`format.${key}`, t('format.other'));
}

/** « SIREN : la valeur n’a pas le format attendu (9 chiffres, par exemple 812 345 678). » */
export function problemText(p: FieldProblem): string {
  const rule = p.rule === 'minLength' && p.limit === 1 ? 'minLengthOne' : p.rule;
  const sentence = tOr(`error.rule.${rule}`, t('error.rule.invalid')).replace(/\{(\w+)\}/g, (m, name: string) =>
    name === 'limit' ? String(p.limit ?? '') : name === 'format' ? formatText(p.field, p.rule, p.limit) : m,
  );
  return p.field ? t('error.withField', { field: fieldLabel(p.field), sentence }) : sentence;
}

/** A reason's values as a reader reads them: dates in the reader's format, ticket statuses by their name. */
function shown(name: string, v: unknown): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return fmt.day(v);
  // Money travels as integer cents (`…Cents`), shown in euros the French way.
  if (name.endsWith('Cents') && typeof v === 'number') return fmt.money(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}$/.test(v)) return fmt.month(v);
  if ((name === 'from' || name === 'to') && typeof v === 'string') return tOr(`ticket.status.${v}`, v);
  return String(v ?? '');
}

/** The sentence for any error a call to the collector may throw. */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.status === 0) return t('error.network');
  const d = err.details ?? {};
  if (typeof d.reason === 'string') {
    const text = tOr(`error.reason.${d.reason}`, '');
    if (text) return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in d ? shown(name, d[name]) : m));
  }
  if (typeof d.field === 'string' && typeof d.rule === 'string') {
    return problemText({ field: d.field, rule: d.rule, ...(typeof d.limit === 'number' || typeof d.limit === 'string' ? { limit: d.limit } : {}) });
  }
  const byCode = err.code ? tOr(`error.code.${err.code}`, '') : '';
  if (!byCode) return t('app.error', { message: err.message });
  // A refusal the catalogue has no reason for yet: the code's sentence, and the collector's own words.
  return err.code === 'VIGIE_E_VALIDATION' || err.code === 'VIGIE_E_CONFLICT' ? `${byCode} ${t('error.collectorSaid', { message: err.message })}` : byCode;
}

/** What is wrong with a body before it is sent, in the reader's words (empty: nothing). */
export function formProblems(schema: TSchema, body: unknown): string[] {
  return fieldProblems(schema, body).map(problemText);
}

export type { MessageKey };
