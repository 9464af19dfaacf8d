import { type Rule, RuleBody, type RuleList, type RuleType } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Section, StateBadge } from '../../components/ui.js';
import { errorText, formProblems } from '../../error-text.js';
import { t } from '../../i18n/i18n.js';
import { checkName, metricName, ruleText } from '../../labels.js';
import { useApi } from '../../use-api.js';
import { Problems } from '../password-reset.js';
import { MaintenanceWindows } from './maintenance.js';

export type { Rule };

/** GET /api/v1/rules/vocabulary (collector/src/rules/vocabulary.ts): what a rule can be about. */
interface Vocabulary {
  metrics: { name: string; devices: number }[];
  checks: { check: string; codes: string[] }[];
}

/** What each rule type reads in its params (collector/src/rules/engine.ts), with a starting value. */
const PARAM_DEFAULTS: Record<RuleType, Record<string, unknown>> = {
  threshold: { metric: 'cpu.usage_pct', op: '>', value: 90, forSec: 300 },
  absence: { minutes: 10 },
  check: { minStatus: 'warning' },
  warranty: { days: 90 },
};

/** A series key's metric (`fs.used_pct{mount=C:}` → fs.used_pct): rules watch a metric over all its series. */
const baseMetric = (name: string) => name.replace(/\{.*$/, '');

/** Issue 7, issue 18: alert rules (list, create, edit, enable), built from what the devices report, and maintenance windows. */
export function RulesPage() {
  const rules = useApi<RuleList>('/api/v1/rules');
  const vocabulary = useApi<Vocabulary>('/api/v1/rules/vocabulary');
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (r: RuleBody, id?: number) => {
    await api(id ? `/api/v1/rules/${id}` : '/api/v1/rules', { method: id ? 'PUT' : 'POST', body: r });
    rules.reload();
  };
  const toggle = async (r: Rule) => {
    setError(null);
    try {
      await save({ name: r.name, type: r.type, severity: r.severity, enabled: !r.enabled, params: r.params as RuleBody['params'] }, r.id);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const vocab = vocabulary.data ?? { metrics: [], checks: [] };
  return (
    <>
      <h1>{t('nav.rules')}</h1>
      <Section
        title={t('rules.title')}
        actions={
          <button type="button" class="small" onClick={() => setEditing('new')} data-testid="new-rule">
            {t('rules.new')}
          </button>
        }
      >
        {error && <p class="error">{error}</p>}
        {editing === 'new' && <RuleForm vocab={vocab} onSave={(r) => save(r)} onDone={() => setEditing(null)} />}
        <Async state={rules}>
          {(r) => (
            <table class="table cards" data-testid="rules">
              <thead>
                <tr>
                  <th>{t('rules.name')}</th>
                  <th>{t('rules.type')}</th>
                  <th>{t('rules.severity')}</th>
                  <th>{t('rules.params')}</th>
                  <th>{t('rules.enabled')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {r.rules.map((rule) => (
                  <>
                    <tr data-rule={rule.name}>
                      <td class="card-title">{rule.name}</td>
                      <td data-label={t('rules.type')}>{t(`rules.type.${rule.type}`)}</td>
                      <td data-label={t('rules.severity')}>
                        <StateBadge state={rule.severity} />
                      </td>
                      <td data-label={t('rules.params')} data-testid="rule-params">
                        {ruleText(rule.type, rule.params, metricName)}
                      </td>
                      <td class="actions" data-label={t('rules.enabled')}>
                        <button type="button" class="secondary small" onClick={() => toggle(rule)}>
                          {rule.enabled ? t('rules.disable') : t('rules.enable')}
                        </button>{' '}
                        <span data-testid="rule-enabled">{rule.enabled ? t('app.yes') : t('app.no')}</span>
                      </td>
                      <td data-label="">
                        <button type="button" class="secondary small" onClick={() => setEditing(editing !== 'new' && editing?.id === rule.id ? null : rule)}>
                          {t('rules.edit')}
                        </button>
                      </td>
                    </tr>
                    {editing !== 'new' && editing?.id === rule.id && (
                      <tr>
                        <td colSpan={6}>
                          <RuleForm rule={rule} vocab={vocab} onSave={(x) => save(x, rule.id)} onDone={() => setEditing(null)} />
                        </td>
                      </tr>
                    )}
                  </>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Section>
      <MaintenanceWindows />
    </>
  );
}

/** A rule's name, type, severity and the parameters its type reads, chosen among what the devices report. */
function RuleForm({ rule, vocab, onSave, onDone }: { rule?: Rule; vocab: Vocabulary; onSave: (r: RuleBody) => Promise<void>; onDone: () => void }) {
  const [name, setName] = useState(rule?.name ?? '');
  const [type, setType] = useState<RuleType>(rule?.type ?? 'threshold');
  const [severity, setSeverity] = useState<'warning' | 'critical'>(rule?.severity ?? 'warning');
  const [enabled, setEnabled] = useState(rule ? !!rule.enabled : true);
  const [params, setParams] = useState<Record<string, unknown>>(rule?.params ?? PARAM_DEFAULTS.threshold);
  const [problems, setProblems] = useState<string[]>([]);
  const set = (k: string, v: unknown) => {
    const next = { ...params };
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete next[k];
    else next[k] = v;
    setParams(next);
  };
  const num = (k: string, opts: { min?: number; max?: number; step?: string } = {}) => (
    <label>
      {t(`rules.param.${k}` as 'rules.param.value')}
      <input
        type="number"
        min={opts.min}
        max={opts.max}
        step={opts.step ?? '1'}
        value={typeof params[k] === 'number' ? (params[k] as number) : ''}
        data-param={k}
        onInput={(e) => {
          const n = (e.currentTarget as HTMLInputElement).valueAsNumber;
          set(k, Number.isFinite(n) ? n : undefined);
        }}
      />
    </label>
  );
  // The metrics reported (each once, whatever its labels), and the one the rule has if no device reports it yet.
  const metrics = [...new Map(vocab.metrics.map((m) => [baseMetric(m.name), m])).values()];
  const current = String(params.metric ?? '');
  if (current && !metrics.some((m) => baseMetric(m.name) === current)) metrics.unshift({ name: current, devices: 0 });
  const checks = vocab.checks;
  const codes = checks.find((c) => c.check === params.check)?.codes ?? [...new Set(checks.flatMap((c) => c.codes))].sort();
  return (
    <form
      class="stack rule-form"
      data-testid="rule-form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { name: name.trim(), type, severity, enabled, params } as RuleBody;
        const found = formProblems(RuleBody, body);
        setProblems(found);
        if (found.length) return;
        try {
          await onSave(body);
          onDone();
        } catch (err) {
          setProblems([errorText(err)]);
        }
      }}
    >
      <div class="row wrap">
        <label class="grow">
          {t('rules.name')}
          <input aria-label={t('rules.name')} type="text" maxLength={200} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('rules.type')}
          <select
            aria-label={t('rules.type')}
            value={type}
            onChange={(e) => {
              const next = (e.currentTarget as HTMLSelectElement).value as RuleType;
              setType(next);
              setParams(rule?.type === next ? rule.params : PARAM_DEFAULTS[next]);
            }}
          >
            {(['threshold', 'absence', 'check', 'warranty'] as const).map((x) => (
              <option value={x}>{t(`rules.type.${x}`)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('rules.severity')}
          <select aria-label={t('rules.severity')} value={severity} onChange={(e) => setSeverity((e.currentTarget as HTMLSelectElement).value as 'warning')}>
            <option value="warning">{t('state.warning')}</option>
            <option value="critical">{t('state.critical')}</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled((e.currentTarget as HTMLInputElement).checked)} />
          {t('rules.enabled')}
        </label>
      </div>
      <div class="row wrap">
        {type === 'threshold' && (
          <>
            <label class="grow">
              {t('rules.param.metric')}
              <select
                aria-label={t('rules.param.metric')}
                data-testid="rule-metric"
                value={current}
                onChange={(e) => set('metric', (e.currentTarget as HTMLSelectElement).value)}
              >
                {metrics.map((m) => (
                  <option value={baseMetric(m.name)}>
                    {metricName(baseMetric(m.name))}
                    {m.devices ? ` — ${t(m.devices === 1 ? 'rules.devicesOne' : 'rules.devices', { count: m.devices })}` : ` — ${t('rules.noDevice')}`}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('rules.param.op')}
              <select
                aria-label={t('rules.param.op')}
                value={String(params.op ?? '>')}
                onChange={(e) => set('op', (e.currentTarget as HTMLSelectElement).value)}
              >
                <option value=">">{t('rules.op.above')}</option>
                <option value="<">{t('rules.op.below')}</option>
              </select>
            </label>
            {num('value', { step: 'any' })}
            {num('forSec', { min: 0, max: 86400 })}
            {num('recoverValue', { step: 'any' })}
          </>
        )}
        {type === 'absence' && num('minutes', { min: 1, max: 10080 })}
        {type === 'check' && (
          <>
            <label>
              {t('rules.param.check')}
              <select
                aria-label={t('rules.param.check')}
                data-testid="rule-check"
                value={String(params.check ?? '')}
                onChange={(e) => {
                  const { check: _check, codes: _codes, ...rest } = params;
                  const chosen = (e.currentTarget as HTMLSelectElement).value;
                  setParams(chosen ? { ...rest, check: chosen } : rest);
                }}
              >
                <option value="">{t('rules.text.anyCheck')}</option>
                {checks.map((c) => (
                  <option value={c.check}>{checkName(c.check)}</option>
                ))}
              </select>
            </label>
            <label class="grow">
              {t('rules.param.codes')}
              <select
                multiple
                size={5}
                aria-label={t('rules.param.codes')}
                data-testid="rule-codes"
                onChange={(e) =>
                  set(
                    'codes',
                    [...(e.currentTarget as HTMLSelectElement).selectedOptions].map((o) => o.value),
                  )
                }
              >
                {codes.map((c) => (
                  <option value={c} selected={Array.isArray(params.codes) && params.codes.includes(c)}>
                    {c}
                  </option>
                ))}
              </select>
              <span class="muted small">{t('rules.codesHint')}</span>
            </label>
            <label>
              {t('rules.param.minStatus')}
              <select
                aria-label={t('rules.param.minStatus')}
                value={String(params.minStatus ?? 'warning')}
                onChange={(e) => set('minStatus', (e.currentTarget as HTMLSelectElement).value)}
              >
                {['unknown', 'warning', 'critical'].map((s) => (
                  <option value={s}>{t(`state.${s}` as 'state.ok')}</option>
                ))}
              </select>
            </label>
          </>
        )}
        {type === 'warranty' && num('days', { min: 1, max: 3650 })}
      </div>
      <p class="muted small" data-testid="rule-preview">
        {ruleText(type, params, metricName)}
      </p>
      <Problems list={problems} />
      <div class="row">
        <button type="submit">{rule ? t('app.save') : t('rules.create')}</button>
        <button type="button" class="secondary" onClick={onDone}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}
