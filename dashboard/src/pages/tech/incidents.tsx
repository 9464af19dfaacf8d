import type { Incident } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { qs } from '../../api.js';
import { Async, Empty, StateBadge } from '../../components/ui.js';
import { fmt, t, tOr } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';
import { useLiveReload } from './overview.js';

export type { Incident };

export function IncidentTable({ incidents, compact }: { incidents: Incident[]; compact?: boolean }) {
  if (incidents.length === 0) return <Empty text={t('incidents.none')} />;
  return (
    <table class={`table ${compact ? 'compact' : ''}`} data-testid="incidents">
      <thead>
        <tr>
          <th>{t('incidents.opened')}</th>
          <th>{t('incidents.severity')}</th>
          <th>{t('incidents.message')}</th>
          <th>{t('incidents.status')}</th>
          <th>{t('incidents.ticket')}</th>
        </tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr>
            <td class="muted">{fmt.dateTime(i.opened_at)}</td>
            <td>
              <StateBadge state={i.severity} />
            </td>
            <td>{i.device_id && !compact ? <a href={href(`/devices/${i.device_id}`)}>{i.message}</a> : i.message}</td>
            <td>{tOr(`incident.${i.status}`, i.status)}</td>
            <td>{i.ticket_id ? <a href={href(`/tickets/${i.ticket_id}`)}>#{i.ticket_id}</a> : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function IncidentsPage() {
  const [status, setStatus] = useState('open');
  const list = useApi<{ incidents: Incident[] }>(`/api/v1/incidents${qs({ status: status || undefined, limit: 500 })}`);
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
        <Async state={list}>{(r) => <IncidentTable incidents={r.incidents} />}</Async>
      </section>
    </>
  );
}
