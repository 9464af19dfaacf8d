import { useState } from 'preact/hooks';
import { Async, Empty } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import type { ScriptVersionView, ScriptView } from './types.js';

/** The newest approved version of each script, with an input per typed parameter. */
export function ScriptRunForm({ launch }: { launch: (body: Record<string, unknown>) => Promise<void> }) {
  const scripts = useApi<{ scripts: ScriptView[] }>('/api/v1/scripts');
  return (
    <Async state={scripts}>
      {(r) => {
        const approved = r.scripts.map((s) => s.versions.find((v) => v.approvedAt !== null)).filter((v): v is ScriptVersionView => v !== undefined);
        return approved.length === 0 ? <Empty text={t('intervene.noScripts')} /> : <Form versions={approved} launch={launch} />;
      }}
    </Async>
  );
}

function Form({ versions, launch }: { versions: ScriptVersionView[]; launch: (body: Record<string, unknown>) => Promise<void> }) {
  const [id, setId] = useState<number | null>(null);
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const v = versions.find((x) => x.id === id);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!v) return;
    const params: Record<string, string | number | boolean> = {};
    for (const p of v.params) {
      const raw = values[p.name];
      if (raw === undefined || raw === '') continue;
      params[p.name] = p.type === 'integer' ? Number(raw) : p.type === 'boolean' ? raw === true : String(raw);
    }
    void launch({ action: 'script', scriptVersionId: v.id, params });
  };
  return (
    <form class="stack" onSubmit={submit} data-testid="script-form">
      <label>
        {t('intervene.script')}
        <select
          name="script"
          required
          value={id ?? ''}
          onChange={(e) => {
            setId(Number((e.currentTarget as HTMLSelectElement).value) || null);
            setValues({});
          }}
        >
          <option value="">{t('intervene.pickScript')}</option>
          {versions.map((x) => (
            <option value={x.id}>
              {x.name} — v{x.version} ({x.language})
            </option>
          ))}
        </select>
      </label>
      {v && (
        <>
          <p class="muted mono">SHA-256 {v.sha256}</p>
          {v.params.map((p) => (
            <ParamField p={p} value={values[p.name]} set={(x) => setValues({ ...values, [p.name]: x })} />
          ))}
          <button type="submit">{t('intervene.run')}</button>
        </>
      )}
    </form>
  );
}

/** One typed parameter: a checkbox, a list of choices, a whole number or a text. */
function ParamField({ p, value, set }: { p: ScriptVersionView['params'][number]; value: string | boolean | undefined; set: (v: string | boolean) => void }) {
  const name = `param-${p.name}`;
  const label = p.label ?? p.name;
  if (p.type === 'boolean')
    return (
      <label class="check">
        <input type="checkbox" name={name} checked={value === true} onChange={(e) => set((e.currentTarget as HTMLInputElement).checked)} />
        {label}
      </label>
    );
  if (p.type === 'choice')
    return (
      <label>
        {label}
        <select name={name} required={p.required} onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}>
          <option value="" />
          {(p.choices ?? []).map((c) => (
            <option value={c}>{c}</option>
          ))}
        </select>
      </label>
    );
  return (
    <label>
      {label}
      <input
        name={name}
        inputMode={p.type === 'integer' ? 'numeric' : 'text'}
        pattern={p.type === 'integer' ? '-?[0-9]+' : undefined}
        required={p.required}
        value={String(value ?? '')}
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
      />
    </label>
  );
}
