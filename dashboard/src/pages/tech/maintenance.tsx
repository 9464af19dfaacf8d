import type { ClientList, DeviceList, SiteList, WindowList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, fromParisLocal, parisLocal, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';

/** Maintenance windows (no incident opens during one), and a form to plan one for a client, a site or a device, in Paris time. */
export function MaintenanceWindows() {
  const windows = useApi<WindowList>('/api/v1/maintenance-windows');
  const clients = useApi<ClientList>('/api/v1/clients');
  const [error, setError] = useState<string | null>(null);
  const clientName = (id: number) => clients.data?.clients.find((c) => c.id === id)?.name ?? `#${id}`;
  const now = Date.now();
  return (
    <Section title={t('maintenance.title')}>
      <MaintenanceForm clients={clients.data?.clients ?? []} onCreated={windows.reload} />
      {error && <p class="error">{error}</p>}
      <Async state={windows}>
        {(w) =>
          w.windows.length === 0 ? (
            <Empty text={t('maintenance.none')} />
          ) : (
            <table class="table compact" data-testid="maintenance">
              <thead>
                <tr>
                  <th>{t('maintenance.target')}</th>
                  <th>{t('maintenance.starts')}</th>
                  <th>{t('maintenance.ends')}</th>
                  <th>{t('maintenance.reason')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {w.windows.map((m) => (
                  <tr class={m.ends_at < now ? 'muted' : ''} data-window={m.reason}>
                    <td>
                      {t(`policy.scope.${m.scope}`)} ·{' '}
                      {m.scope === 'client' ? (
                        clientName(m.scope_id)
                      ) : m.scope === 'device' ? (
                        <a href={href(`/devices/${m.scope_id}`)}>#{m.scope_id}</a>
                      ) : (
                        `#${m.scope_id}`
                      )}
                    </td>
                    <td>{fmt.dateTime(m.starts_at)}</td>
                    <td>{fmt.dateTime(m.ends_at)}</td>
                    <td>
                      {m.reason} {m.starts_at <= now && now < m.ends_at ? <span class="badge state-warning">{t('maintenance.current')}</span> : null}
                    </td>
                    <td>
                      <button
                        type="button"
                        class="secondary small"
                        onClick={async () => {
                          setError(null);
                          try {
                            await api(`/api/v1/maintenance-windows/${m.id}`, { method: 'DELETE' });
                            windows.reload();
                          } catch (err) {
                            setError(errorText(err));
                          }
                        }}
                      >
                        {t('maintenance.delete')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Section>
  );
}

function MaintenanceForm({ clients, onCreated }: { clients: { id: number; name: string }[]; onCreated: () => void }) {
  const [scope, setScope] = useState<'client' | 'site' | 'device'>('client');
  const [clientId, setClientId] = useState('');
  const chosenClient = clientId || String(clients[0]?.id ?? '');
  const sites = useApi<SiteList>(chosenClient && scope !== 'client' ? `/api/v1/clients/${chosenClient}/sites` : null);
  const [siteId, setSiteId] = useState('');
  const [q, setQ] = useState('');
  const devices = useApi<DeviceList>(
    chosenClient && scope === 'device' ? `/api/v1/devices${qs({ clientId: chosenClient, q: q.trim() || undefined, limit: 50 })}` : null,
  );
  const [deviceId, setDeviceId] = useState('');
  const hour = 3600_000;
  const [starts, setStarts] = useState(parisLocal(Math.ceil(Date.now() / hour) * hour));
  const [ends, setEnds] = useState(parisLocal(Math.ceil(Date.now() / hour) * hour + 2 * hour));
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const chosenSite = siteId || String(sites.data?.sites[0]?.id ?? '');
  const chosenDevice = deviceId || String(devices.data?.devices[0]?.id ?? '');
  const scopeId = scope === 'client' ? chosenClient : scope === 'site' ? chosenSite : chosenDevice;
  return (
    <form
      class="row wrap maintenance-form"
      data-testid="maintenance-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const startsAt = fromParisLocal(starts);
        const endsAt = fromParisLocal(ends);
        if (startsAt === undefined || endsAt === undefined) return;
        try {
          await api('/api/v1/maintenance-windows', { body: { scope, scopeId: Number(scopeId), startsAt, endsAt, reason } });
          setMessage({ ok: true, text: t('maintenance.created') });
          setReason('');
          onCreated();
        } catch (err) {
          setMessage({ ok: false, text: errorText(err) });
        }
      }}
    >
      <label>
        {t('policy.scope')}
        <select
          aria-label={t('policy.scope')}
          value={scope}
          onChange={(e) => setScope((e.currentTarget as HTMLSelectElement).value as 'client' | 'site' | 'device')}
        >
          <option value="client">{t('policy.scope.client')}</option>
          <option value="site">{t('policy.scope.site')}</option>
          <option value="device">{t('policy.scope.device')}</option>
        </select>
      </label>
      <label>
        {t('policy.client')}
        <select
          aria-label={t('policy.client')}
          value={chosenClient}
          onChange={(e) => {
            setClientId((e.currentTarget as HTMLSelectElement).value);
            setSiteId('');
            setDeviceId('');
          }}
        >
          {clients.map((c) => (
            <option value={String(c.id)}>{c.name}</option>
          ))}
        </select>
      </label>
      {scope === 'site' && (
        <label>
          {t('policy.site')}
          <select aria-label={t('policy.site')} value={chosenSite} onChange={(e) => setSiteId((e.currentTarget as HTMLSelectElement).value)}>
            {sites.data?.sites.map((s) => (
              <option value={String(s.id)}>{s.name}</option>
            ))}
          </select>
        </label>
      )}
      {scope === 'device' && (
        <>
          <label>
            {t('policy.findDevice')}
            <input aria-label={t('policy.findDevice')} type="search" value={q} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            {t('policy.device')}
            <select aria-label={t('policy.device')} value={chosenDevice} onChange={(e) => setDeviceId((e.currentTarget as HTMLSelectElement).value)}>
              {devices.data?.devices.map((d) => (
                <option value={String(d.id)}>{d.hostname}</option>
              ))}
            </select>
          </label>
        </>
      )}
      <label>
        {t('maintenance.starts')}
        <input
          aria-label={t('maintenance.starts')}
          type="datetime-local"
          required
          value={starts}
          onInput={(e) => setStarts((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <label>
        {t('maintenance.ends')}
        <input
          aria-label={t('maintenance.ends')}
          type="datetime-local"
          required
          value={ends}
          onInput={(e) => setEnds((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <label class="grow">
        {t('maintenance.reason')}
        <input
          aria-label={t('maintenance.reason')}
          type="text"
          required
          maxLength={500}
          value={reason}
          onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" disabled={!scopeId}>
        {t('maintenance.create')}
      </button>
      {message && <p class={message.ok ? 'success' : 'error'}>{message.text}</p>}
    </form>
  );
}
