import { useState } from 'preact/hooks';
import { qs } from '../../api.js';
import { Async, Section } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { useApi } from '../../use-api.js';
import { CommandTable } from './command-table.js';
import type { CommandView } from './types.js';

const STATES = ['queued', 'sent', 'running', 'succeeded', 'failed', 'refused', 'expired', 'cancelled'];
const ACTIONS = ['script', 'reboot', 'service-restart', 'process-kill', 'log-fetch', 'key-rotate'];

/** Every remote action, filtered by client, state and action. */
export function CommandHistoryPage() {
  const clients = useApi<{ clients: { id: number; name: string }[] }>('/api/v1/clients');
  const [f, setF] = useState({ clientId: '', state: '', action: '' });
  const list = useApi<{ commands: CommandView[] }>(`/api/v1/commands${qs({ clientId: f.clientId, state: f.state, action: f.action, limit: 500 })}`);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLSelectElement).value });
  return (
    <>
      <h1>{t('history.title')}</h1>
      <div class="filters">
        <label>
          {t('command.filters.client')}
          <select name="clientId" value={f.clientId} onChange={set('clientId')}>
            <option value="">{t('command.filters.all')}</option>
            {(clients.data?.clients ?? []).map((c) => (
              <option value={c.id}>{c.name}</option>
            ))}
          </select>
        </label>
        <label>
          {t('command.filters.state')}
          <select name="state" value={f.state} onChange={set('state')}>
            <option value="">{t('command.filters.all')}</option>
            {STATES.map((s) => (
              <option value={s}>{t(`command.state.${s}` as never)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('command.filters.action')}
          <select name="action" value={f.action} onChange={set('action')}>
            <option value="">{t('command.filters.all')}</option>
            {ACTIONS.map((a) => (
              <option value={a}>{t(`command.action.${a}` as never)}</option>
            ))}
          </select>
        </label>
      </div>
      <Section title={t('history.title')}>
        <Async state={list}>{(r) => <CommandTable commands={r.commands} showDevice />}</Async>
      </Section>
    </>
  );
}

/** The client portal's "actions à distance": what was done on its machines, by whom, with what result. */
export function PortalRemoteActionsPage({ clientId }: { clientId: number }) {
  const list = useApi<{ commands: CommandView[] }>(`/api/v1/clients/${clientId}/remote-actions`);
  return (
    <>
      <h1>{t('portal.remote.title')}</h1>
      <p class="muted">{t('portal.remote.intro')}</p>
      <Section title={t('portal.remote.title')}>
        <Async state={list}>
          {(r) => (r.commands.length === 0 ? <p class="muted">{t('portal.remote.none')}</p> : <CommandTable commands={r.commands} showDevice />)}
        </Async>
      </Section>
    </>
  );
}
