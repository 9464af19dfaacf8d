import type { DeviceDetail } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { RANGES, type Range } from '../../components/metric-chart.js';
import { Async, Empty, Section, StateBadge } from '../../components/ui.js';
import { currentLang, fmt, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { type Incident, IncidentTable } from '../tech/incidents.js';
import { type TicketSummary, TicketTable } from '../tickets/ticket-table.js';
import { DeviceCharts } from './device-charts.js';
import { HistoryTable, InventoryView } from './inventory-view.js';

export type { DeviceDetail };

export function DevicePage({ id, user }: { id: number; user: User }) {
  const detail = useApi<DeviceDetail>(`/api/v1/devices/${id}`);
  return <Async state={detail}>{(d) => <DeviceView d={d} user={user} />}</Async>;
}

function DeviceView({ d, user }: { d: DeviceDetail; user: User }) {
  const [range, setRange] = useState<Range>('hour');
  const incidents = useApi<{ incidents: Incident[] }>(`/api/v1/incidents?deviceId=${d.device.id}&limit=50`);
  const tickets = useApi<{ tickets: TicketSummary[] }>(`/api/v1/tickets?deviceId=${d.device.id}&limit=50`);
  const state = d.device.status === 'online' ? (d.health === 'unknown' ? 'warning' : (d.health ?? 'ok')) : 'offline';
  const today = new Date().toISOString().slice(0, 10);
  return (
    <>
      <p>
        <a href={href(isStaff(user) ? '/devices' : '/inventory')}>{t('app.back')}</a>
      </p>
      <div class="page-head">
        <h1 data-testid="device-title">{d.device.hostname}</h1>
        <StateBadge state={state} />
      </div>
      <p class="muted">
        {d.device.clientName} · {d.device.siteName} · {d.device.osName ?? ''}{' '}
        {d.device.agentVersion ? `· ${t('device.agent', { version: d.device.agentVersion })}` : ''} ·{' '}
        {t('device.lastSeen', { date: fmt.dateTime(d.device.lastSeenAt) })}
        {isStaff(user) && (
          <>
            {' · '}
            <a href={href(`/policies?scope=device&id=${d.device.id}`)}>{t('device.policy')}</a>
          </>
        )}
      </p>

      {d.device.kind === 'agentless' ? (
        // A device without an agent has no CPU or memory of its own here: its bandwidth, supplies
        // and battery are on its site's network page.
        <p data-testid="agentless-network">
          {t('device.watchedBy')} <a href={href(`/network/${d.device.clientId}/${d.device.siteId}`)}>{t('device.networkPage')}</a>
        </p>
      ) : (
        <Section
          title={t('device.metrics')}
          actions={
            <div class="tabs" role="tablist">
              {(Object.keys(RANGES) as Range[]).map((r) => (
                <button type="button" role="tab" aria-selected={r === range} class={r === range ? 'tab active' : 'tab'} onClick={() => setRange(r)}>
                  {t(`range.${r}`)}
                </button>
              ))}
            </div>
          }
        >
          <DeviceCharts deviceId={d.device.id} range={range} />
        </Section>
      )}

      <div class="grid-2">
        <Section title={t('device.checks')}>
          {d.checks.length === 0 ? (
            <Empty text={t('check.none')} />
          ) : (
            <table class="table compact">
              <thead>
                <tr>
                  <th>{t('check.check')}</th>
                  <th>{t('check.target')}</th>
                  <th>{t('check.status')}</th>
                  <th>{t('check.message')}</th>
                  <th>{t('check.since')}</th>
                </tr>
              </thead>
              <tbody>
                {d.checks.map((c) => (
                  <tr>
                    <td>{c.check}</td>
                    <td class="ellipsis">{c.target}</td>
                    <td>
                      <StateBadge state={c.status} />
                    </td>
                    <td>{c.text?.[currentLang()] ?? c.message ?? c.code ?? ''}</td>
                    <td class="muted">{fmt.dateTime(c.since)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title={t('device.warranty')}>
          {d.supplied.length === 0 ? (
            <Empty text={t('device.noSupplied')} />
          ) : (
            <table class="table compact" data-testid="warranty">
              <thead>
                <tr>
                  <th>{t('supplied.description')}</th>
                  <th>{t('supplied.serial')}</th>
                  <th>{t('supplied.deliveredOn')}</th>
                  <th>{t('supplied.warrantyEnd')}</th>
                  <th>{t('supplied.supplier')}</th>
                </tr>
              </thead>
              <tbody>
                {d.supplied.map((s) => (
                  <tr>
                    <td>{s.description}</td>
                    <td class="mono">{s.serial}</td>
                    <td>{fmt.day(s.deliveredOn)}</td>
                    <td class={s.warrantyEnd < today ? 'text-critical' : ''}>
                      {fmt.day(s.warrantyEnd)} {s.warrantyEnd < today ? `(${t('supplied.expired')})` : ''}
                    </td>
                    <td>{s.supplier ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>

      <div class="grid-2">
        <Section title={t('device.incidents')}>
          <Async state={incidents}>{(r) => <IncidentTable incidents={r.incidents} compact />}</Async>
        </Section>
        <Section title={t('device.tickets')}>
          <Async state={tickets}>{(r) => <TicketTable tickets={r.tickets} compact />}</Async>
        </Section>
      </div>

      <Section title={t('device.inventory')}>
        {d.inventory ? <InventoryView inv={d.inventory} serial={d.device.serial} /> : <Empty text={t('device.noInventory')} />}
      </Section>
      <Section title={t('device.history')}>
        <HistoryTable deviceId={d.device.id} />
      </Section>
    </>
  );
}
