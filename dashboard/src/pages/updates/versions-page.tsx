import type { RolloutStage } from '@vigie/shared';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { Async, Empty, Section } from '../../components/ui.js';
import { fmt, type MessageKey, t, tOr } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';
import { errorText } from '../remote/intervene.js';
import { useStepUp } from '../remote/step-up.js';

interface Fleet {
  rollout: { targetVersion: string | null; stage: RolloutStage; percent: number; paused: boolean; graceSec: number; manifestTtlSec: number; canary: number[] };
  releases: { version: string; platform: string; sha256: string; size: number; createdAt: number }[];
  versions: { version: string; devices: number }[];
  pins: { clientId: number; version: string }[];
  devices: {
    deviceId: number;
    hostname: string;
    clientName: string;
    platform: string | null;
    version: string | null;
    target: string | null;
    pinned: string | null;
    canary: boolean;
    lastUpdate: { version: string; state: string; error: { code: string; message: string } | null; at: number } | null;
  }[];
}

const STATE_TONE: Record<string, string> = {
  succeeded: 'ok',
  failed: 'critical',
  refused: 'critical',
  expired: 'warning',
  running: 'warning',
  sent: 'warning',
  queued: 'unknown',
};

/** Agent versions across the fleet, the rollout (rings, pause) and each agent's last update with why it failed. */
export function AgentVersionsPage() {
  const fleet = useApi<Fleet>('/api/v1/agent-versions');
  return (
    <div>
      <div class="page-head">
        <h1>{t('versions.title')}</h1>
      </div>
      <Async state={fleet}>
        {(f) => (
          <>
            <div class="tiles" data-testid="version-tiles">
              {f.versions.map((v) => (
                <div class={`tile ${v.version === f.rollout.targetVersion ? 'state-ok' : ''}`} data-version={v.version}>
                  <span class="tile-n">{fmt.number(v.devices)}</span>
                  <span class="tile-l">{v.version}</span>
                </div>
              ))}
            </div>
            <RolloutForm fleet={f} onSaved={fleet.reload} />
            <Section title={t('versions.devices', { count: f.devices.length })}>
              {f.devices.length === 0 ? (
                <Empty text={t('versions.none')} />
              ) : (
                <table class="table compact" data-testid="agent-versions">
                  <thead>
                    <tr>
                      <th>{t('devices.hostname')}</th>
                      <th>{t('devices.client')}</th>
                      <th>{t('versions.platform')}</th>
                      <th>{t('versions.version')}</th>
                      <th>{t('versions.target')}</th>
                      <th>{t('versions.lastUpdate')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {f.devices.map((d) => (
                      <tr data-device={d.hostname}>
                        <td>
                          <a href={href(`/devices/${d.deviceId}`)}>{d.hostname}</a>
                          {d.canary && <span class="badge state-warning">{t('versions.canary')}</span>}
                        </td>
                        <td>{d.clientName}</td>
                        <td>{d.platform ?? '—'}</td>
                        <td data-testid="agent-version">{d.version ?? '—'}</td>
                        <td>
                          {d.target ?? '—'}
                          {d.pinned && <span class="muted"> ({t('versions.pinned')})</span>}
                        </td>
                        <td data-testid="last-update">
                          {d.lastUpdate && (
                            <>
                              <span class={`badge state-${STATE_TONE[d.lastUpdate.state] ?? 'unknown'}`}>
                                {d.lastUpdate.version} · {tOr(`versions.state.${d.lastUpdate.state}`, d.lastUpdate.state)}
                              </span>{' '}
                              {d.lastUpdate.error && <span class="small">{tOr(`remote.code.${d.lastUpdate.error.code}`, d.lastUpdate.error.message)}</span>}
                              <span class="muted small"> {fmt.dateTime(d.lastUpdate.at)}</span>
                              {d.lastUpdate.error && <div class="muted small">{d.lastUpdate.error.message}</div>}
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Section>
          </>
        )}
      </Async>
    </div>
  );
}

function RolloutForm({ fleet, onSaved }: { fleet: Fleet; onSaved: () => void }) {
  const r = fleet.rollout;
  const [target, setTarget] = useState(r.targetVersion ?? '');
  const [stage, setStage] = useState<RolloutStage>(r.stage);
  const [percent, setPercent] = useState(String(r.percent));
  const [paused, setPaused] = useState(r.paused);
  const [canary, setCanary] = useState(r.canary.join(', '));
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const { run, prompt } = useStepUp();
  const versions = [...new Set(fleet.releases.map((x) => x.version))];
  const save = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await api('/api/v1/agent-rollout', {
        method: 'PUT',
        body: {
          targetVersion: target || null,
          stage,
          percent: Number(percent) || 0,
          paused,
          canary: canary
            .split(/[\s,;]+/)
            .filter(Boolean)
            .map(Number)
            .filter((n) => Number.isInteger(n) && n > 0),
        },
      });
      setNotice({ ok: true, text: t('versions.saved') });
      onSaved();
    }).catch((err) => setNotice({ ok: false, text: errorText(err) }));
  };
  return (
    <Section title={t('versions.rollout')}>
      {prompt}
      <form class="form row wrap" data-testid="rollout" onSubmit={save}>
        <label>
          {t('versions.target')}
          <select value={target} onChange={(e) => setTarget((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t('versions.noTarget')}</option>
            {versions.map((v) => (
              <option value={v}>{v}</option>
            ))}
          </select>
        </label>
        <label>
          {t('versions.stage')}
          <select value={stage} onChange={(e) => setStage((e.currentTarget as HTMLSelectElement).value as RolloutStage)}>
            {(['canary', 'percent', 'all'] as const).map((s) => (
              <option value={s}>{t(`versions.stage.${s}` as MessageKey)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('versions.percent')}
          <input type="number" min={0} max={100} value={percent} onInput={(e) => setPercent((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          {t('versions.canaryIds')}
          <input value={canary} onInput={(e) => setCanary((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={paused} onChange={(e) => setPaused((e.currentTarget as HTMLInputElement).checked)} /> {t('versions.paused')}
        </label>
        <button type="submit">{t('app.save')}</button>
      </form>
      {notice && (
        <p class={notice.ok ? 'success' : 'error'} role={notice.ok ? 'status' : 'alert'}>
          {notice.text}
        </p>
      )}
    </Section>
  );
}
