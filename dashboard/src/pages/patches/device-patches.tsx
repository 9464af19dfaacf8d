import type { DevicePatch, DevicePatchesResponse } from '@vigie/shared';
import { Async, Empty } from '../../components/ui.js';
import { fmt, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';

/** A device's pending updates with the date each was first seen, and those resolved lately. */
export function DevicePatches({ deviceId }: { deviceId: number }) {
  const state = useApi<DevicePatchesResponse>(`/api/v1/devices/${deviceId}/patches`);
  return (
    <Async state={state}>
      {(r) =>
        r.source === null ? (
          <Empty text={t('patches.notReported')} />
        ) : (
          <div data-testid="device-patches">
            <p class="muted">
              {t('patches.reportedBy', { source: r.source, at: r.collectedAt === null ? '' : fmt.dateTime(r.collectedAt) })}
              {r.rebootPending ? ` · ${t('patches.rebootPendingNow')}` : ''}
              {r.truncated ? ` · ${t('patches.truncated')}` : ''}
            </p>
            {r.pending.length === 0 ? <Empty text={t('patches.upToDate')} /> : <PatchTable patches={r.pending} />}
            {r.recent.length > 0 && (
              <details>
                <summary>{t('patches.recent', { count: r.recent.length })}</summary>
                <PatchTable patches={r.recent} resolved />
              </details>
            )}
          </div>
        )
      }
    </Async>
  );
}

function PatchTable({ patches, resolved = false }: { patches: DevicePatch[]; resolved?: boolean }) {
  return (
    <table class="table compact" data-testid={resolved ? 'patches-recent' : 'patches-pending'}>
      <thead>
        <tr>
          <th>{t('patches.package')}</th>
          <th>{t('patches.installed')}</th>
          <th>{t('patches.candidate')}</th>
          <th>{t('patches.kind')}</th>
          <th>{t('patches.firstSeen')}</th>
          {resolved && <th>{t('patches.resolvedAt')}</th>}
        </tr>
      </thead>
      <tbody>
        {patches.map((p) => (
          <tr data-package={p.name}>
            <td title={p.origin ?? undefined}>
              {p.title ?? p.name}
              {p.arch ? <span class="muted"> ({p.arch})</span> : null}
            </td>
            <td>{p.installedVersion ?? '—'}</td>
            <td>{p.candidateVersion}</td>
            <td>
              {p.security && <span class="badge state-critical">{t('patches.securityBadge')}</span>}{' '}
              {p.rebootRequired && <span class="badge state-warning">{t('patches.rebootBadge')}</span>}
            </td>
            <td>{fmt.date(p.firstSeenAt)}</td>
            {resolved && <td>{p.resolvedAt === null ? '' : fmt.date(p.resolvedAt)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
