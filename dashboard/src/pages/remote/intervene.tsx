import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { fmt, t, tOr } from '../../i18n/i18n.js';
import { useLive } from '../../live.js';
import { useApi } from '../../use-api.js';
import { CommandTable } from './command-table.js';
import { CommandConsole } from './console.js';
import { ScriptRunForm } from './script-run-form.js';
import { useStepUp } from './step-up.js';
import type { CommandView } from './types.js';

type Tab = 'actions' | 'scripts' | 'console';

/** The error of a refused request, in the reader's language when the catalogue knows its code. */
export const errorText = (err: unknown) => (err instanceof ApiError ? tOr(`remote.code.${err.code}`, err.message) : String(err));

/**
 * "Intervenir" on a device page: built-in actions, approved scripts with their typed parameters,
 * and the live console of the last command; scripts and reboots ask for a step-up first.
 */
export function Intervene({ deviceId, online }: { deviceId: number; online: boolean }) {
  const [tab, setTab] = useState<Tab>('actions');
  const [current, setCurrent] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const history = useApi<{ commands: CommandView[] }>(`/api/v1/devices/${deviceId}/commands`);
  const { run, prompt } = useStepUp();
  // The history follows the device's commands as they change state (pushed over /api/v1/live).
  useLive((m) => {
    const d = m.data as { deviceId?: number; state?: string } | null;
    if (m.type === 'command' && d?.deviceId === deviceId && d.state !== 'sent') history.reload();
  });
  const launch = (body: Record<string, unknown>) =>
    run(async () => {
      const r = await api<{ commands: CommandView[] }>('/api/v1/commands', { body: { target: { kind: 'device', id: deviceId }, ...body } });
      const c = r.commands[0]!;
      setCurrent(c.id);
      setTab('console');
      setNotice({ ok: true, text: t('intervene.queued', { time: fmt.dateTime(c.expiresAt) }) });
      history.reload();
    }).catch((err) => setNotice({ ok: false, text: errorText(err) }));
  return (
    <Section
      title={t('intervene.title')}
      id="intervene"
      actions={
        <div class="tabs" role="tablist">
          {(['actions', 'scripts', 'console'] as Tab[]).map((k) => (
            <button type="button" role="tab" aria-selected={k === tab} class={k === tab ? 'tab active' : 'tab'} onClick={() => setTab(k)}>
              {t(`intervene.${k}`)}
            </button>
          ))}
        </div>
      }
    >
      {!online && <p class="muted">{t('intervene.offline')}</p>}
      {prompt}
      {notice && (
        <p class={notice.ok ? 'success' : 'error'} role="status" data-testid="intervene-notice">
          {notice.text}
        </p>
      )}
      {tab === 'actions' && <ActionForms launch={launch} />}
      {tab === 'scripts' && <ScriptRunForm launch={launch} />}
      {tab === 'console' && <CommandConsole commandId={current} />}
      <h3>{t('intervene.history')}</h3>
      <Async state={history}>
        {(h) => (
          <CommandTable
            commands={h.commands}
            onSelect={(c) => {
              setCurrent(c.id);
              setTab('console');
            }}
          />
        )}
      </Async>
    </Section>
  );
}

function ActionForms({ launch }: { launch: (body: Record<string, unknown>) => Promise<void> }) {
  const [reboot, setReboot] = useState({ delayMin: '5', message: t('intervene.rebootDefault') });
  const [service, setService] = useState('');
  const [kill, setKill] = useState({ pid: '', name: '', force: false });
  const [log, setLog] = useState({ path: '/var/log/syslog', maxBytes: '65536' });
  const val = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  const submit = (body: Record<string, unknown>) => (e: Event) => {
    e.preventDefault();
    void launch(body);
  };
  return (
    <div class="grid-2">
      <form class="stack" onSubmit={submit({ action: 'reboot', args: { delayMin: Number(reboot.delayMin), message: reboot.message } })}>
        <h3>{t('intervene.reboot')}</h3>
        <label>
          {t('intervene.rebootDelay')}
          <input type="number" min="0" max="1440" required value={reboot.delayMin} onInput={(e) => setReboot({ ...reboot, delayMin: val(e) })} />
        </label>
        <label>
          {t('intervene.rebootMessage')}
          <input maxLength={200} value={reboot.message} onInput={(e) => setReboot({ ...reboot, message: val(e) })} />
        </label>
        <button type="submit">{t('intervene.reboot')}</button>
      </form>
      <form class="stack" onSubmit={submit({ action: 'service-restart', args: { service } })}>
        <h3>{t('intervene.service')}</h3>
        <label>
          {t('intervene.serviceName')}
          <input required pattern="[A-Za-z0-9_][A-Za-z0-9_.@:\-]{0,127}" value={service} onInput={(e) => setService(val(e))} />
        </label>
        <button type="submit">{t('intervene.run')}</button>
      </form>
      <form
        class="stack"
        onSubmit={submit({ action: 'process-kill', args: { pid: Number(kill.pid), ...(kill.name ? { name: kill.name } : {}), force: kill.force } })}
      >
        <h3>{t('intervene.kill')}</h3>
        <div class="row">
          <label>
            {t('intervene.pid')}
            <input type="number" min="2" required value={kill.pid} onInput={(e) => setKill({ ...kill, pid: val(e) })} />
          </label>
          <label>
            {t('intervene.processName')}
            <input value={kill.name} onInput={(e) => setKill({ ...kill, name: val(e) })} />
          </label>
        </div>
        <label class="check">
          <input type="checkbox" checked={kill.force} onChange={(e) => setKill({ ...kill, force: (e.currentTarget as HTMLInputElement).checked })} />
          {t('intervene.force')}
        </label>
        <button type="submit">{t('intervene.run')}</button>
      </form>
      <form class="stack" onSubmit={submit({ action: 'log-fetch', args: { path: log.path, maxBytes: Number(log.maxBytes) } })}>
        <h3>{t('intervene.log')}</h3>
        <label>
          {t('intervene.logPath')}
          <input required value={log.path} onInput={(e) => setLog({ ...log, path: val(e) })} />
        </label>
        <label>
          {t('intervene.logBytes')}
          <input type="number" min="1" max="1048576" value={log.maxBytes} onInput={(e) => setLog({ ...log, maxBytes: val(e) })} />
        </label>
        <button type="submit">{t('intervene.run')}</button>
      </form>
    </div>
  );
}
