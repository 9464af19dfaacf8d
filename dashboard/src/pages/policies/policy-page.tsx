import type { ClientList, DeviceDetail, DeviceList, EffectivePolicy, PolicyAtScope, PolicySaved, SiteList } from '@vigie/shared/api';
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { currentLang, fmt, t } from '../../i18n/i18n.js';
import { href, useHashQuery } from '../../router.js';
import { useApi } from '../../use-api.js';
import { ProbeSettings } from './probe-settings.js';
import type { ProbeSpec } from './schema.js';
import { SchemaField } from './schema-field.js';

export type Scope = 'client' | 'site' | 'device';
/** What a policy sets at one scope (collector/src/policies/service.ts, PolicyOverrides). */
export interface Overrides {
  metricsIntervalSec?: number;
  inventoryIntervalSec?: number;
  probes?: Record<string, Record<string, unknown>>;
}
interface Catalogue {
  policy: { metricsIntervalSec: number; inventoryIntervalSec: number };
  probes: ProbeSpec[];
}
interface Target {
  scope: Scope;
  clientId: number;
  siteId?: number | undefined;
  deviceId?: number | undefined;
}

const INTERVALS = {
  metricsIntervalSec: { type: 'integer', minimum: 1, maximum: 3600 },
  inventoryIntervalSec: { type: 'integer', minimum: 60, maximum: 7 * 86400 },
} as const;

/** Issue 7: the collection policy of a client, a site or a device, probe by probe. */
export function PoliciesPage() {
  const hq = useHashQuery();
  const catalogue = useApi<Catalogue>('/api/v1/probes');
  const clients = useApi<ClientList>('/api/v1/clients');
  // A device page links here with ?scope=device&id=…: its client and site come from the device.
  const linked = useApi<DeviceDetail>(hq.get('scope') === 'device' && hq.get('id') ? `/api/v1/devices/${hq.get('id')}` : null);
  const [target, setTarget] = useState<Target | null>(null);
  useEffect(() => {
    if (target) return;
    if (linked.data) setTarget({ scope: 'device', clientId: linked.data.device.clientId, siteId: linked.data.device.siteId, deviceId: Number(hq.get('id')) });
    else if (!hq.get('id') && clients.data?.clients[0]) setTarget({ scope: 'client', clientId: Number(hq.get('clientId')) || clients.data.clients[0].id });
  }, [linked.data, clients.data]);
  const id = target ? (target.scope === 'client' ? target.clientId : target.scope === 'site' ? target.siteId : target.deviceId) : undefined;
  return (
    <>
      <h1>{t('policy.title')}</h1>
      <p class="muted">{t('policy.intro')}</p>
      {target && <ScopePicker target={target} clients={clients.data?.clients ?? []} onChange={setTarget} />}
      <Async state={catalogue}>{(c) => (target && id ? <PolicyEditor key={`${target.scope}:${id}`} catalogue={c} target={target} id={id} /> : null)}</Async>
    </>
  );
}

function ScopePicker({ target, clients, onChange }: { target: Target; clients: { id: number; name: string }[]; onChange: (t: Target) => void }) {
  const sites = useApi<SiteList>(`/api/v1/clients/${target.clientId}/sites`);
  const [q, setQ] = useState('');
  const devices = useApi<DeviceList>(
    target.scope === 'device' ? `/api/v1/devices${qs({ clientId: target.clientId, siteId: target.siteId, q: q.trim() || undefined, limit: 50 })}` : null,
  );
  const firstSite = sites.data?.sites[0]?.id;
  return (
    <div class="filters scope" data-testid="policy-scope">
      <label>
        {t('policy.client')}
        <select
          aria-label={t('policy.client')}
          value={String(target.clientId)}
          onChange={(e) => onChange({ scope: target.scope, clientId: Number((e.currentTarget as HTMLSelectElement).value) })}
        >
          {clients.map((c) => (
            <option value={String(c.id)}>{c.name}</option>
          ))}
        </select>
      </label>
      <label>
        {t('policy.scope')}
        <select
          aria-label={t('policy.scope')}
          value={target.scope}
          onChange={(e) => {
            const scope = (e.currentTarget as HTMLSelectElement).value as Scope;
            onChange({ scope, clientId: target.clientId, siteId: scope === 'client' ? undefined : (target.siteId ?? firstSite) });
          }}
        >
          <option value="client">{t('policy.scope.client')}</option>
          <option value="site">{t('policy.scope.site')}</option>
          <option value="device">{t('policy.scope.device')}</option>
        </select>
      </label>
      {target.scope !== 'client' && (
        <label>
          {t('policy.site')}
          <select
            aria-label={t('policy.site')}
            value={String(target.siteId ?? '')}
            onChange={(e) => onChange({ ...target, siteId: Number((e.currentTarget as HTMLSelectElement).value), deviceId: undefined })}
          >
            {sites.data?.sites.map((s) => (
              <option value={String(s.id)}>{s.name}</option>
            ))}
          </select>
        </label>
      )}
      {target.scope === 'device' && (
        <>
          <label>
            {t('policy.findDevice')}
            <input
              aria-label={t('policy.findDevice')}
              type="search"
              value={q}
              placeholder={t('devices.search')}
              onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label>
            {t('policy.device')}
            <select
              aria-label={t('policy.device')}
              value={String(target.deviceId ?? '')}
              onChange={(e) => onChange({ ...target, deviceId: Number((e.currentTarget as HTMLSelectElement).value) || undefined })}
            >
              <option value="">—</option>
              {target.deviceId && !devices.data?.devices.some((d) => d.id === target.deviceId) && (
                <option value={String(target.deviceId)}>#{target.deviceId}</option>
              )}
              {devices.data?.devices.map((d) => (
                <option value={String(d.id)}>{d.hostname}</option>
              ))}
            </select>
          </label>
        </>
      )}
    </div>
  );
}

/** The shared answer, with its overrides read as this page's shape (the schema keeps them loose). */
type PolicyRow = Omit<PolicyAtScope, 'overrides'> & { overrides: Overrides };

/** The overrides of one scope as a form (or raw JSON), over what the wider scopes and the defaults give. */
function PolicyEditor({ catalogue, target, id }: { catalogue: Catalogue; target: Target; id: number }) {
  const policy = useApi<PolicyRow>(`/api/v1/policies/${target.scope}/${id}`);
  // The wider scopes, whose settings this one inherits: the client's for a site, the client's and the site's for a device.
  const clientLayer = useApi<PolicyRow>(target.scope !== 'client' ? `/api/v1/policies/client/${target.clientId}` : null);
  const siteLayer = useApi<PolicyRow>(target.scope === 'device' && target.siteId ? `/api/v1/policies/site/${target.siteId}` : null);
  const effective = useApi<EffectivePolicy>(target.scope === 'device' ? `/api/v1/devices/${id}/policy` : null);
  const [draft, setDraft] = useState<Overrides | null>(null);
  const [generation, setGeneration] = useState(0);
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [json, setJson] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (!policy.data) return;
    setDraft(structuredClone(policy.data.overrides));
    setGeneration((g) => g + 1);
  }, [policy.data]);
  // The wider scopes are read first: their settings are what the placeholders show as inherited.
  const layersLoaded = (target.scope === 'client' || clientLayer.data) && (target.scope !== 'device' || !target.siteId || siteLayer.data);
  if (!draft || !policy.data || !layersLoaded) return <Async state={policy}>{() => null}</Async>;

  const layers = [clientLayer.data?.overrides, siteLayer.data?.overrides].filter((l): l is Overrides => !!l);
  const inheritedGeneral = (key: 'metricsIntervalSec' | 'inventoryIntervalSec') => layers.reduce<number>((v, l) => l[key] ?? v, catalogue.policy[key]);
  const inheritedProbe = (spec: ProbeSpec) => Object.assign({}, spec.defaults, ...layers.map((l) => l.probes?.[spec.id] ?? {}));
  const setProbe = (pid: string, v: Record<string, unknown> | undefined) => {
    const probes = { ...draft.probes };
    if (v === undefined) delete probes[pid];
    else probes[pid] = v;
    setDraft({ ...draft, probes });
  };

  const save = async () => {
    let body: Overrides = draft;
    if (mode === 'json') {
      try {
        body = JSON.parse(json) as Overrides;
      } catch (err) {
        setMessage({ ok: false, text: t('policy.badJson', { message: (err as Error).message }) });
        return;
      }
    }
    if (body.probes && Object.keys(body.probes).length === 0) body = { ...body, probes: undefined };
    try {
      const r = await api<PolicySaved>(`/api/v1/policies/${target.scope}/${id}`, { method: 'PUT', body });
      setMessage({ ok: true, text: t('policies.saved', { version: r.version, devices: r.devices }) });
      policy.reload();
      effective.reload();
    } catch (err) {
      // The collector validates each probe's part with its schema and says which field is wrong.
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <>
      {policy.data.notices.map((n) => (
        <p class="warning" role="status" data-testid="policy-notice">
          {fmt.dateTime(n.at)} — {currentLang() === 'en' ? n.en : n.fr}
        </p>
      ))}
      <div class="row policy-head">
        <p class="muted grow" data-testid="policy-version">
          {policy.data.version ? t('policy.version', { version: policy.data.version, date: fmt.dateTime(policy.data.updatedAt) }) : t('policy.noneYet')}
        </p>
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'form'} class={mode === 'form' ? 'tab active' : 'tab'} onClick={() => switchMode('form')}>
            {t('policy.mode.form')}
          </button>
          <button type="button" role="tab" aria-selected={mode === 'json'} class={mode === 'json' ? 'tab active' : 'tab'} onClick={() => switchMode('json')}>
            {t('policy.mode.json')}
          </button>
        </div>
      </div>
      {mode === 'form' ? (
        <div key={generation}>
          <Section title={t('policy.general')}>
            <div class="fields">
              {(['metricsIntervalSec', 'inventoryIntervalSec'] as const).map((key) => (
                <SchemaField
                  probe="policy"
                  name={key}
                  schema={INTERVALS[key]}
                  value={draft[key]}
                  inherited={inheritedGeneral(key)}
                  onChange={(v) => setDraft({ ...draft, [key]: v as number | undefined })}
                />
              ))}
            </div>
          </Section>
          {catalogue.probes.map((spec) => (
            <ProbeSettings
              key={spec.id}
              spec={spec}
              value={draft.probes?.[spec.id]}
              inherited={inheritedProbe(spec)}
              onChange={(v) => {
                setProbe(spec.id, v);
                if (v === undefined) setGeneration((g) => g + 1);
              }}
            />
          ))}
        </div>
      ) : (
        <Section title={t('policy.mode.json')}>
          <p class="muted small">{t('policy.jsonHint')}</p>
          <textarea
            class="mono json"
            rows={18}
            aria-label={t('policy.mode.json')}
            data-testid="policy-json"
            value={json}
            onInput={(e) => setJson((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </Section>
      )}
      <div class="row save-bar">
        <button type="button" onClick={save} data-testid="policy-save">
          {t('app.save')}
        </button>
        {message && (
          <p class={message.ok ? 'success' : 'error'} data-testid={message.ok ? 'policy-saved' : 'policy-error'} role={message.ok ? undefined : 'alert'}>
            {message.text}
          </p>
        )}
      </div>
      {target.scope === 'device' && (
        <details class="card">
          <summary>{t('policy.effective')}</summary>
          <Async state={effective}>
            {(e) => (
              <pre class="mono json" data-testid="policy-effective">
                {JSON.stringify(e.policy, null, 2)}
              </pre>
            )}
          </Async>
          <p>
            <a href={href(`/devices/${id}`)}>{t('policy.toDevice')}</a>
          </p>
        </details>
      )}
    </>
  );

  function switchMode(next: 'form' | 'json') {
    if (next === mode) return;
    if (next === 'json') setJson(JSON.stringify(draft, null, 2));
    else {
      try {
        setDraft(JSON.parse(json) as Overrides);
        setGeneration((g) => g + 1);
      } catch (err) {
        setMessage({ ok: false, text: t('policy.badJson', { message: (err as Error).message }) });
        return;
      }
    }
    setMessage(null);
    setMode(next);
  }
}
