import type { DeviceDetail, IncidentList, TicketList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { Async, Empty, Section, StateBadge } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { currentLang, fmt, parisToday, t } from '../../i18n/i18n.js';
import { checkName, severityRank, targetName } from '../../labels.js';
import { href } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { WatchedPlace } from '../network/watched-devices.js';
import { DevicePatches } from '../patches/device-patches.js';
import { Intervene } from '../remote/intervene.js';
import { IncidentTable } from '../tech/incidents.js';
import { TicketTable } from '../tickets/ticket-table.js';
import { DeviceCharts } from './device-charts.js';
import { HistoryTable, InventoryView } from './inventory-view.js';

export type { DeviceDetail };

export function DevicePage({ id, user }: { id: number; user: User }) {
  const detail = useApi<DeviceDetail>(`/api/v1/devices/${id}`);
  return <Async state={detail}>{(d) => <DeviceView d={d} user={user} reload={detail.reload} />}</Async>;
}

function DeviceView({ d, user, reload }: { d: DeviceDetail; user: User; reload: () => void }) {
  const incidents = useApi<IncidentList>(`/api/v1/incidents?deviceId=${d.device.id}&limit=50`);
  const tickets = useApi<TicketList>(`/api/v1/tickets?deviceId=${d.device.id}&limit=50`);
  const today = parisToday();
  const staff = isStaff(user);
  return (
    <>
      <p>
        <a href={href(staff ? '/devices' : '/inventory')}>{t('app.back')}</a>
      </p>
      <div class="page-head">
        <h1 data-testid="device-title">{d.device.hostname}</h1>
        <span data-testid="device-state">
          <StateBadge state={d.state} />
        </span>
      </div>
      <p class="muted">
        {d.device.clientName} · {d.device.siteName} · {d.device.osName ?? ''}{' '}
        {d.device.agentVersion ? `· ${t('device.agent', { version: d.device.agentVersion })}` : ''} ·{' '}
        {d.device.kind === 'agentless'
          ? t('device.lastPolled', { date: fmt.dateTime(d.device.lastSeenAt) })
          : t('device.lastSeen', { date: fmt.dateTime(d.device.lastSeenAt) })}
        {staff && (
          <>
            {' · '}
            <a href={href(`/policies?scope=device&id=${d.device.id}`)}>{t('device.policy')}</a>
          </>
        )}
      </p>

      {d.device.kind === 'agentless' ? (
        // A device without an agent has no CPU or memory of its own here: its bandwidth, supplies
        // and battery are on its site's network page.
        <>
          <p data-testid="agentless-network">
            {t('device.watchedBy')} <a href={href(`/network/${d.device.clientId}/${d.device.siteId}`)}>{t('device.networkPage')}</a>
            {d.device.watcherId ? (
              <>
                {' · '}
                <a href={href(`/devices/${d.device.watcherId}`)}>{t('device.watcher')}</a>
              </>
            ) : null}
          </p>
          <WatchedPlace watched={d.watched ?? null} />
        </>
      ) : (
        <Section title={t('device.metrics')}>
          <DeviceCharts deviceId={d.device.id} />
        </Section>
      )}

      <Section title={t('device.checks')}>
        <CheckTable checks={d.checks} />
      </Section>

      {isStaff(user) && d.device.kind === 'agent' && <Intervene deviceId={d.device.id} online={d.device.status === 'online'} />}

      <div class="grid-2">
        <Section title={t('device.incidents')}>
          <Async state={incidents}>{(r) => <IncidentTable incidents={r.incidents} compact canAcknowledge={staff} onChange={incidents.reload} />}</Async>
        </Section>
        <Section title={t('device.tickets')}>
          <Async state={tickets}>{(r) => <TicketTable tickets={r.tickets} compact />}</Async>
        </Section>
      </div>
      <Section title={t('device.warranty')}>
        {d.supplied.length === 0 ? (
          <Empty text={t('device.noSupplied')} />
        ) : (
          <table class="table compact cards" data-testid="warranty">
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
                  <td class="card-title">{s.description}</td>
                  <td class="mono" data-label={t('supplied.serial')}>
                    {s.serial}
                  </td>
                  <td data-label={t('supplied.deliveredOn')}>{fmt.day(s.deliveredOn)}</td>
                  <td class={s.warrantyEnd < today ? 'text-critical' : ''} data-label={t('supplied.warrantyEnd')}>
                    {fmt.day(s.warrantyEnd)} {s.warrantyEnd < today ? `(${t('supplied.expired')})` : ''}
                  </td>
                  <td data-label={t('supplied.supplier')}>{s.supplier ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title={t('patches.deviceTitle')}>
        <DevicePatches deviceId={d.device.id} />
      </Section>
      <Section title={t('device.inventory')}>
        {d.inventory ? <InventoryView inv={d.inventory} serial={d.device.serial} /> : <Empty text={t('device.noInventory')} />}
      </Section>
      <Section title={t('device.history')}>
        <HistoryTable deviceId={d.device.id} />
      </Section>
      {staff && d.device.agentId && d.device.status !== 'revoked' && <RevokeAgent d={d} onDone={reload} />}
    </>
  );
}

/**
 * The device's checks, the worst first (critical, warning, unknown, then OK; the oldest first
 * within each), named in words, with the finding's sentence wrapping in full width.
 */
export function CheckTable({ checks }: { checks: DeviceDetail['checks'] }) {
  if (checks.length === 0) return <Empty text={t('check.none')} />;
  const sorted = [...checks].sort((a, b) => severityRank(a.status) - severityRank(b.status) || a.since - b.since);
  return (
    <table class="table compact cards checks" data-testid="checks">
      <thead>
        <tr>
          <th>{t('check.status')}</th>
          <th>{t('check.check')}</th>
          <th>{t('check.target')}</th>
          <th>{t('check.message')}</th>
          <th>{t('check.since')}</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((c) => (
          <tr data-check={c.check} data-status={c.status}>
            <td data-label={t('check.status')}>
              <StateBadge state={c.status} />
            </td>
            <td class="nowrap" data-label={t('check.check')}>
              {checkName(c.check)}
            </td>
            <td data-label={t('check.target')} title={c.target}>
              {targetName(c.check, c.target)}
            </td>
            <td class="wrap message" data-label={t('check.message')} data-testid="check-message">
              {c.text?.[currentLang()] ?? c.message ?? c.code ?? ''}
            </td>
            <td class="muted nowrap" data-label={t('check.since')}>
              {fmt.dateTime(c.since)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Contract 7: revoking an agent cannot be undone — the confirmation says what stops and what it takes to watch the machine again. */
function RevokeAgent({ d, onDone }: { d: DeviceDetail; onDone: () => void }) {
  const [dialog, confirm] = useConfirm();
  const [error, setError] = useState<string | null>(null);
  return (
    <Section title={t('device.revokeTitle')}>
      {dialog}
      <p class="muted small">{t('device.revokeHint')}</p>
      <button
        type="button"
        class="danger small"
        data-testid="revoke-agent"
        onClick={async () => {
          const ok = await confirm(
            t('confirm.revoke.title', { host: d.device.hostname }),
            <p>{t('confirm.revoke.body', { host: d.device.hostname })}</p>,
            t('device.revoke'),
          );
          if (!ok) return;
          setError(null);
          try {
            await api(`/api/v1/devices/${d.device.id}/revoke`, { body: {} });
            onDone();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        {t('device.revoke')}
      </button>
      {error && <p class="error">{error}</p>}
    </Section>
  );
}
