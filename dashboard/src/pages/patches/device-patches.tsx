import type { DevicePatch, DevicePatchesResponse, EffectivePatchPolicy } from '@vigie/shared';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { errorText } from '../remote/intervene.js';
import { useStepUp } from '../remote/step-up.js';

interface InstallHistory {
  results: {
    commandId: string;
    name: string;
    arch: string;
    version: string;
    state: 'installed' | 'failed';
    attempts: number;
    error: string | null;
    finishedAt: number;
  }[];
}

/**
 * A device's pending updates with the date each was first seen, those resolved lately, its patch
 * policy and install results; staff allowed to act approve updates here (with a step-up).
 */
export function DevicePatches({ deviceId }: { deviceId: number }) {
  const state = useApi<DevicePatchesResponse>(`/api/v1/devices/${deviceId}/patches`);
  const policy = useApi<{ policy: EffectivePatchPolicy; canApprove: boolean }>(`/api/v1/devices/${deviceId}/patch-policy`);
  const installs = useApi<InstallHistory>(`/api/v1/devices/${deviceId}/patch-installs`);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const { run, prompt } = useStepUp();
  const canApprove = policy.data?.canApprove === true;
  const approve = () =>
    run(async () => {
      const r = await api<{ approved: unknown[]; commands: unknown[] }>(`/api/v1/devices/${deviceId}/patches/approve`, {
        body: { packages: [...chosen].map((k) => JSON.parse(k) as { name: string; arch?: string }) },
      });
      setNotice({ ok: true, text: t('patches.approved', { count: r.approved.length }) });
      setChosen(new Set());
      installs.reload();
    }).catch((err) => setNotice({ ok: false, text: errorText(err) }));
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
            {policy.data && <PolicySummary policy={policy.data.policy} />}
            {prompt}
            {r.pending.length === 0 ? (
              <Empty text={t('patches.upToDate')} />
            ) : (
              <PatchTable
                patches={r.pending}
                excluded={policy.data?.policy.excluded ?? []}
                select={
                  canApprove ? { chosen, toggle: (k) => setChosen((s) => (s.has(k) ? new Set([...s].filter((x) => x !== k)) : new Set([...s, k]))) } : undefined
                }
              />
            )}
            {canApprove && r.pending.length > 0 && (
              <div class="row">
                <button type="button" data-testid="approve-patches" disabled={chosen.size === 0} onClick={approve}>
                  {t('patches.approve', { count: chosen.size })}
                </button>
              </div>
            )}
            {notice && (
              <p class={notice.ok ? 'success' : 'error'} role={notice.ok ? 'status' : 'alert'}>
                {notice.text}
              </p>
            )}
            {(installs.data?.results.length ?? 0) > 0 && (
              <details>
                <summary>{t('patches.installs', { count: installs.data!.results.length })}</summary>
                <table class="table compact" data-testid="patch-installs">
                  <tbody>
                    {installs.data!.results.map((x) => (
                      <tr data-package={x.name}>
                        <td>{x.name}</td>
                        <td>{x.version}</td>
                        <td>
                          <span class={`badge state-${x.state === 'installed' ? 'ok' : 'critical'}`}>{t(`patches.result.${x.state}` as MessageKey)}</span>
                        </td>
                        <td>{x.attempts > 1 ? t('patches.attempts', { count: x.attempts }) : ''}</td>
                        <td>{x.error ?? ''}</td>
                        <td>{fmt.dateTime(x.finishedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
            {r.recent.length > 0 && (
              <details>
                <summary>{t('patches.recent', { count: r.recent.length })}</summary>
                <PatchTable patches={r.recent} resolved excluded={[]} />
              </details>
            )}
          </div>
        )
      }
    </Async>
  );
}

function PolicySummary({ policy }: { policy: EffectivePatchPolicy }) {
  return (
    <p class="muted small" data-testid="patch-policy-summary">
      {policy.securityInWindow ? t('patches.policy.securityInWindow') : t('patches.policy.securityManual')} ·{' '}
      {t(`patches.policy.reboot.${policy.reboot}` as MessageKey)}
      {policy.excluded.length > 0 ? ` · ${t('patches.policy.excludedList', { list: policy.excluded.join(', ') })}` : ''}
    </p>
  );
}

const isExcluded = (name: string, excluded: readonly string[]) => excluded.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));

function PatchTable({
  patches,
  resolved = false,
  excluded,
  select,
}: {
  patches: DevicePatch[];
  resolved?: boolean;
  excluded: readonly string[];
  select?: { chosen: Set<string>; toggle: (key: string) => void } | undefined;
}) {
  return (
    <table class="table compact" data-testid={resolved ? 'patches-recent' : 'patches-pending'}>
      <thead>
        <tr>
          {select && <th />}
          <th>{t('patches.package')}</th>
          <th>{t('patches.installed')}</th>
          <th>{t('patches.candidate')}</th>
          <th>{t('patches.kind')}</th>
          <th>{t('patches.firstSeen')}</th>
          {resolved && <th>{t('patches.resolvedAt')}</th>}
        </tr>
      </thead>
      <tbody>
        {patches.map((p) => {
          const key = JSON.stringify(p.arch ? { name: p.name, arch: p.arch } : { name: p.name });
          const out = isExcluded(p.name, excluded);
          return (
            <tr data-package={p.name}>
              {select && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('patches.select', { name: p.name })}
                    disabled={out}
                    checked={select.chosen.has(key)}
                    onChange={() => select.toggle(key)}
                  />
                </td>
              )}
              <td title={p.origin ?? undefined}>
                {p.title ?? p.name}
                {p.arch ? <span class="muted"> ({p.arch})</span> : null}
              </td>
              <td>{p.installedVersion ?? '—'}</td>
              <td>{p.candidateVersion}</td>
              <td>
                {p.security && <span class="badge state-critical">{t('patches.securityBadge')}</span>}{' '}
                {p.rebootRequired && <span class="badge state-warning">{t('patches.rebootBadge')}</span>}{' '}
                {out && <span class="badge state-unknown">{t('patches.excludedBadge')}</span>}
              </td>
              <td>{fmt.date(p.firstSeenAt)}</td>
              {resolved && <td>{p.resolvedAt === null ? '' : fmt.date(p.resolvedAt)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
