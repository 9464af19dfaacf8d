import type { Rule, RuleBody } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Section, StateBadge } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { MaintenanceWindows } from './maintenance.js';

export type { Rule };

type RuleType = 'threshold' | 'absence' | 'check' | 'warranty';

/** What each rule type reads in its params (collector/src/rules/engine.ts), with a starting value. */
const PARAM_DEFAULTS: Record<RuleType, Record<string, unknown>> = {
  threshold: { metric: 'cpu.usage_pct', op: '>', value: 90, forSec: 300 },
  absence: { minutes: 10 },
  check: { minStatus: 'warning' },
  warranty: { days: 90 },
};

/** Issue 7: alert rules (list, create, edit, enable) and maintenance windows. */
export function RulesPage() {
  const rules = useApi<{ rules: Rule[] }>('/api/v1/rules');
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
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
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
        {editing === 'new' && <RuleForm onSave={(r) => save(r)} onDone={() => setEditing(null)} />}
        <Async state={rules}>
          {(r) => (
            <table class="table" data-testid="rules">
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
                      <td>{rule.name}</td>
                      <td>{t(`rules.type.${rule.type}`)}</td>
                      <td>
                        <StateBadge state={rule.severity} />
                      </td>
                      <td class="mono small">{paramsText(rule.params)}</td>
                      <td class="actions">
                        <button type="button" class="secondary small" onClick={() => toggle(rule)}>
                          {rule.enabled ? t('rules.disable') : t('rules.enable')}
                        </button>{' '}
                        <span data-testid="rule-enabled">{rule.enabled ? t('app.yes') : t('app.no')}</span>
                      </td>
                      <td>
                        <button type="button" class="secondary small" onClick={() => setEditing(editing !== 'new' && editing?.id === rule.id ? null : rule)}>
                          {t('rules.edit')}
                        </button>
                      </td>
                    </tr>
                    {editing !== 'new' && editing?.id === rule.id && (
                      <tr>
                        <td colSpan={6}>
                          <RuleForm rule={rule} onSave={(x) => save(x, rule.id)} onDone={() => setEditing(null)} />
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

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
}

/** A rule's name, type, severity and the parameters its type reads. */
function RuleForm({ rule, onSave, onDone }: { rule?: Rule; onSave: (r: RuleBody) => Promise<void>; onDone: () => void }) {
  const [name, setName] = useState(rule?.name ?? '');
  const [type, setType] = useState<RuleType>(rule?.type ?? 'threshold');
  const [severity, setSeverity] = useState<'warning' | 'critical'>(rule?.severity ?? 'warning');
  const [enabled, setEnabled] = useState(rule ? !!rule.enabled : true);
  const [params, setParams] = useState<Record<string, unknown>>(rule?.params ?? PARAM_DEFAULTS.threshold);
  const [error, setError] = useState<string | null>(null);
  const set = (k: string, v: unknown) => {
    const next = { ...params };
    if (v === undefined || v === '') delete next[k];
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
        onInput={(e) => {
          const n = (e.currentTarget as HTMLInputElement).valueAsNumber;
          set(k, Number.isFinite(n) ? n : undefined);
        }}
      />
    </label>
  );
  return (
    <form
      class="stack rule-form"
      data-testid="rule-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          await onSave({ name, type, severity, enabled, params: params as RuleBody['params'] });
          onDone();
        } catch (err) {
          setError(err instanceof ApiError ? err.message : String(err));
        }
      }}
    >
      <div class="row wrap">
        <label class="grow">
          {t('rules.name')}
          <input
            aria-label={t('rules.name')}
            type="text"
            required
            maxLength={200}
            value={name}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
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
          <select
            aria-label={t('rules.severity')}
            value={severity}
            onChange={(e) => setSeverity((e.currentTarget as HTMLSelectElement).value as 'warning' | 'critical')}
          >
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
            <label>
              {t('rules.param.metric')}
              <input
                aria-label={t('rules.param.metric')}
                type="text"
                required
                pattern="[a-z][a-z0-9_.]{0,63}"
                value={String(params.metric ?? '')}
                onInput={(e) => set('metric', (e.currentTarget as HTMLInputElement).value)}
              />
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
              <input
                aria-label={t('rules.param.check')}
                type="text"
                maxLength={64}
                value={String(params.check ?? '')}
                placeholder="backup, snmp-supply…"
                onInput={(e) => set('check', (e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <label class="grow">
              {t('rules.param.codes')}
              <input
                aria-label={t('rules.param.codes')}
                type="text"
                value={Array.isArray(params.codes) ? params.codes.join(', ') : ''}
                placeholder="HOST_UNREACHABLE, TLS_CERT_EXPIRED"
                onInput={(e) => {
                  const codes = (e.currentTarget as HTMLInputElement).value
                    .split(/[,\s]+/)
                    .map((c) => c.trim())
                    .filter(Boolean);
                  set('codes', codes.length ? codes : undefined);
                }}
              />
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
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit">{rule ? t('app.save') : t('rules.create')}</button>
        <button type="button" class="secondary" onClick={onDone}>
          {t('app.cancel')}
        </button>
      </div>
    </form>
  );
}
