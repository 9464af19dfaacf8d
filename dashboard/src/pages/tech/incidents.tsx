import type { Incident, IncidentList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api, qs } from '../../api.js';
import { Async, Empty, StateBadge } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, t, tOr } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';
import { useLiveReload } from './overview.js';

export type { Incident };

/**
 * Incidents with their client and device, and for staff the action that matters first: acknowledge
 * (its ticket, still new, is then acknowledged too). `compact`: a device's own, without those columns.
 */
export function IncidentTable({
  incidents,
  compact,
  canAcknowledge,
  onChange,
}: {
  incidents: Incident[];
  compact?: boolean;
  canAcknowledge?: boolean;
  onChange?: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  if (incidents.length === 0) return <Empty text={t('incidents.none')} />;
  const acknowledge = async (id: number) => {
    setError(null);
    try {
      await api(`/api/v1/incidents/${id}/acknowledge`, { body: {} });
      onChange?.();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      {error && <p class="error">{error}</p>}
      <table class={`table cards ${compact ? 'compact' : ''}`} data-testid="incidents">
        <thead>
          <tr>
            <th>{t('incidents.opened')}</th>
            <th>{t('incidents.severity')}</th>
            {!compact && <th>{t('devices.client')}</th>}
            {!compact && <th>{t('devices.hostname')}</th>}
            <th>{t('incidents.message')}</th>
            <th>{t('incidents.status')}</th>
            <th>{t('incidents.ticket')}</th>
            {canAcknowledge && <th />}
          </tr>
        </thead>
        <tbody>
          {incidents.map((i) => (
            <tr data-incident={i.id}>
              <td class="muted" data-label={t('incidents.opened')}>
                {fmt.dateTime(i.opened_at)}
              </td>
              <td data-label={t('incidents.severity')}>
                <StateBadge state={i.severity} />
              </td>
              {!compact && (
                <td data-label={t('devices.client')}>
                  <a href={href(`/clients/${i.client_id}`)}>{i.client_name}</a>
                </td>
              )}
              {!compact && <td data-label={t('devices.hostname')}>{i.device_id ? <a href={href(`/devices/${i.device_id}`)}>{i.device_name}</a> : '—'}</td>}
              <td class="wrap" data-label={t('incidents.message')}>
                {i.message}
              </td>
              <td data-label={t('incidents.status')}>
                {tOr(`incident.${i.status}`, i.status)}
                {i.acknowledged_at && (
                  <div class="muted small" data-testid="acknowledged">
                    {t('incidents.acknowledgedBy', { name: i.acknowledged_by_name ?? '—', date: fmt.dateTime(i.acknowledged_at) })}
                  </div>
                )}
              </td>
              <td data-label={t('incidents.ticket')}>{i.ticket_id ? <a href={href(`/tickets/${i.ticket_id}`)}>#{i.ticket_id}</a> : ''}</td>
              {canAcknowledge && (
                <td class="actions" data-label="">
                  {!i.acknowledged_at && i.status !== 'resolved' && (
                    <button type="button" class="secondary small" data-testid="acknowledge" onClick={() => acknowledge(i.id)}>
                      {t('incidents.acknowledge')}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function IncidentsPage() {
  const [status, setStatus] = useState('open');
  const list = useApi<IncidentList>(`/api/v1/incidents${qs({ status: status || undefined, limit: 500 })}`);
  useLiveReload(list.reload, (type) => type === 'incident');
  return (
    <>
      <h1>{t('incidents.title')}</h1>
      <div class="filters">
        <select aria-label={t('incidents.status')} value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t('app.all')}</option>
          {['open', 'recovering', 'resolved'].map((s) => (
            <option value={s}>{tOr(`incident.${s}`, s)}</option>
          ))}
        </select>
      </div>
      <section class="card">
        <Async state={list}>{(r) => <IncidentTable incidents={r.incidents} canAcknowledge onChange={list.reload} />}</Async>
      </section>
    </>
  );
}
