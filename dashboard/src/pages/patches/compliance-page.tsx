import type { ComplianceResponse, DeviceCompliance, PatchState } from '@vigie/shared';
import { useState } from 'preact/hooks';
import { qs } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import type { User } from '../../session.js';
import { isStaff } from '../../session.js';
import { useApi } from '../../use-api.js';
import { ClientPatchPolicy } from './policy-form.js';

const DAYS = [7, 14, 30, 60, 90] as const;
const STATES: PatchState[] = ['up-to-date', 'pending', 'overdue', 'unknown'];
/** The colour of each state's badge and tile (the word is always written too). */
const TONE: Record<PatchState, string> = { 'up-to-date': 'ok', pending: 'warning', overdue: 'critical', unknown: 'unknown' };

export function PatchStateBadge({ state }: { state: PatchState }) {
  return <span class={`badge state-${TONE[state]}`}>{t(`patches.state.${state}` as MessageKey)}</span>;
}

/**
 * The compliance view: devices up to date, pending, pending for more than N days, restart pending.
 * Technicians see every client (and may pick one); a client user sees its own devices only.
 */
export function PatchCompliancePage({ user }: { user: User }) {
  const staff = isStaff(user);
  const [days, setDays] = useState(30);
  const [state, setState] = useState<PatchState | ''>('');
  const [reboot, setReboot] = useState(false);
  const [clientId, setClientId] = useState('');
  const clients = useApi<{ clients: { id: number; name: string }[] }>(staff ? '/api/v1/clients' : null);
  const data = useApi<ComplianceResponse>(
    `/api/v1/patches/compliance${qs({ days, state: state || undefined, rebootPending: reboot ? 'true' : undefined, clientId: clientId || undefined })}`,
  );
  return (
    <div>
      <div class="page-head">
        <h1>{t('patches.title')}</h1>
      </div>
      <div class="filters">
        {staff && (
          <select aria-label={t('devices.client')} value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t('devices.allClients')}</option>
            {clients.data?.clients.map((c) => (
              <option value={String(c.id)}>{c.name}</option>
            ))}
          </select>
        )}
        <label>
          {t('patches.threshold')}{' '}
          <select data-testid="patch-days" value={String(days)} onChange={(e) => setDays(Number((e.currentTarget as HTMLSelectElement).value))}>
            {DAYS.map((d) => (
              <option value={String(d)}>{t('patches.days', { days: d })}</option>
            ))}
          </select>
        </label>
        <select
          aria-label={t('patches.stateFilter')}
          data-testid="patch-state"
          value={state}
          onChange={(e) => setState((e.currentTarget as HTMLSelectElement).value as PatchState | '')}
        >
          <option value="">{t('patches.allStates')}</option>
          {STATES.map((s) => (
            <option value={s}>{t(`patches.state.${s}` as MessageKey)}</option>
          ))}
        </select>
        <label>
          <input type="checkbox" checked={reboot} data-testid="patch-reboot" onChange={(e) => setReboot((e.currentTarget as HTMLInputElement).checked)} />{' '}
          {t('patches.rebootOnly')}
        </label>
      </div>
      <Async state={data}>
        {(r) => (
          <>
            <div class="tiles" data-testid="patch-summary">
              <Tile n={r.summary.upToDate} label={t('patches.state.up-to-date')} tone="ok" id="up-to-date" />
              <Tile n={r.summary.pending} label={t('patches.state.pending')} tone="warning" id="pending" />
              <Tile n={r.summary.overdue} label={t('patches.overdueFor', { days: r.days })} tone="critical" id="overdue" />
              <Tile n={r.summary.rebootPending} label={t('patches.reboot')} tone="warning" id="reboot" />
              <Tile n={r.summary.withSecurity} label={t('patches.withSecurity')} tone="critical" id="security" />
              <Tile n={r.summary.unknown} label={t('patches.state.unknown')} tone="unknown" id="unknown" />
            </div>
            <Section title={t('patches.devices', { count: r.devices.length })}>
              {r.devices.length === 0 ? <Empty text={t('patches.none')} /> : <ComplianceTable devices={r.devices} staff={staff} days={r.days} />}
            </Section>
            {staff && clientId && <ClientPatchPolicy key={clientId} clientId={Number(clientId)} />}
          </>
        )}
      </Async>
    </div>
  );
}

function Tile({ n, label, tone, id }: { n: number; label: string; tone: string; id: string }) {
  return (
    <div class={`tile state-${tone}`} data-testid={`patch-tile-${id}`}>
      <span class="tile-n">{fmt.number(n)}</span>
      <span class="tile-l">{label}</span>
    </div>
  );
}

function ComplianceTable({ devices, staff, days }: { devices: DeviceCompliance[]; staff: boolean; days: number }) {
  return (
    <table class="table compact" data-testid="patch-compliance">
      <thead>
        <tr>
          <th>{t('devices.hostname')}</th>
          {staff && <th>{t('devices.client')}</th>}
          <th>{t('devices.site')}</th>
          <th>{t('patches.state')}</th>
          <th class="num">{t('patches.pending')}</th>
          <th class="num">{t('patches.security')}</th>
          <th class="num">{t('patches.overdueCol', { days })}</th>
          <th>{t('patches.since')}</th>
          <th>{t('patches.reboot')}</th>
          <th>{t('patches.lastReport')}</th>
        </tr>
      </thead>
      <tbody>
        {devices.map((d) => (
          <tr data-device={d.hostname}>
            <td>
              <a href={href(`/devices/${d.deviceId}`)}>{d.hostname}</a>
            </td>
            {staff && <td>{d.clientName}</td>}
            <td>{d.siteName}</td>
            <td>
              <PatchStateBadge state={d.state} />
            </td>
            <td class="num">{d.pending}</td>
            <td class="num">{d.security}</td>
            <td class="num">{d.overdue}</td>
            <td>{d.oldestPendingSince === null ? '' : fmt.date(d.oldestPendingSince)}</td>
            <td>{d.rebootPending === null ? t('patches.unknown') : d.rebootPending ? t('patches.yes') : t('patches.no')}</td>
            <td>{d.collectedAt === null ? t('patches.never') : fmt.dateTime(d.collectedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
