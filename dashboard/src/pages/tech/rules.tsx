import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Empty, Section, StateBadge } from '../../components/ui.js';
import { fmt, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

interface Rule {
  id: number;
  name: string;
  type: string;
  severity: string;
  enabled: number;
  params: Record<string, unknown>;
}

export function RulesPage() {
  const rules = useApi<{ rules: Rule[] }>('/api/v1/rules');
  const windows = useApi<{ windows: { id: number; scope: string; scope_id: number; starts_at: number; ends_at: number; reason: string }[] }>(
    '/api/v1/maintenance-windows',
  );
  const [error, setError] = useState<string | null>(null);
  const toggle = async (r: Rule) => {
    try {
      await api(`/api/v1/rules/${r.id}`, { method: 'PUT', body: { name: r.name, type: r.type, severity: r.severity, enabled: !r.enabled, params: r.params } });
      rules.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <>
      <h1>{t('nav.rules')}</h1>
      <Section title={t('rules.title')}>
        {error && <p class="error">{error}</p>}
        <Async state={rules}>
          {(r) => (
            <table class="table">
              <thead>
                <tr>
                  <th>{t('rules.name')}</th>
                  <th>{t('rules.type')}</th>
                  <th>{t('rules.severity')}</th>
                  <th>{t('rules.params')}</th>
                  <th>{t('rules.enabled')}</th>
                </tr>
              </thead>
              <tbody>
                {r.rules.map((rule) => (
                  <tr>
                    <td>{rule.name}</td>
                    <td>{rule.type}</td>
                    <td>
                      <StateBadge state={rule.severity} />
                    </td>
                    <td class="mono small">
                      {Object.entries(rule.params)
                        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
                        .join(' ')}
                    </td>
                    <td>
                      <button type="button" class="secondary small" onClick={() => toggle(rule)}>
                        {rule.enabled ? t('rules.disable') : t('rules.enable')}
                      </button>{' '}
                      {rule.enabled ? t('app.yes') : t('app.no')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Section>
      <PolicyEditor />
      <Section title={t('maintenance.title')}>
        <Async state={windows}>
          {(w) =>
            w.windows.length === 0 ? (
              <Empty text={t('maintenance.none')} />
            ) : (
              <ul class="plain">
                {w.windows.map((m) => (
                  <li>
                    {m.scope} #{m.scope_id} · {fmt.dateTime(m.starts_at)} → {fmt.dateTime(m.ends_at)} · {m.reason}
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
      </Section>
    </>
  );
}

/** The collection policy of one client (its sites and devices inherit it unless they override). */
function PolicyEditor() {
  const clients = useApi<{ clients: { id: number; name: string }[] }>('/api/v1/clients');
  const [clientId, setClientId] = useState('');
  const chosen = clientId || String(clients.data?.clients[0]?.id ?? '');
  const policy = useApi<{ overrides: { metricsIntervalSec?: number; inventoryIntervalSec?: number; probes?: Record<string, unknown> }; version: number }>(
    chosen ? `/api/v1/policies/client/${chosen}` : null,
  );
  const [metrics, setMetrics] = useState('');
  const [inventory, setInventory] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    setMetrics(String(policy.data?.overrides.metricsIntervalSec ?? ''));
    setInventory(String(policy.data?.overrides.inventoryIntervalSec ?? ''));
  }, [policy.data]);
  return (
    <Section title={t('policies.title')}>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const body = {
              ...policy.data?.overrides,
              ...(metrics ? { metricsIntervalSec: Number(metrics) } : {}),
              ...(inventory ? { inventoryIntervalSec: Number(inventory) } : {}),
            };
            const r = await api<{ version: number; devices: number }>(`/api/v1/policies/client/${chosen}`, { method: 'PUT', body });
            setMessage(t('policies.saved', { version: r.version, devices: r.devices }));
            policy.reload();
          } catch (err) {
            setMessage(err instanceof ApiError ? err.message : String(err));
          }
        }}
      >
        <label>
          {t('policies.client')}
          <select value={chosen} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
            {clients.data?.clients.map((c) => (
              <option value={String(c.id)}>{c.name}</option>
            ))}
          </select>
        </label>
        <label>
          {t('policies.metricsInterval')}
          <input type="number" min="1" max="3600" value={metrics} onInput={(e) => setMetrics((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('policies.inventoryInterval')}
          <input type="number" min="60" value={inventory} onInput={(e) => setInventory((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={!chosen}>
          {t('app.save')}
        </button>
      </form>
      {message && <p class="muted">{message}</p>}
    </Section>
  );
}
