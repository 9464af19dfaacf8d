import type { AssignableUsers, ClientList, TicketList } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { qs } from '../../api.js';
import { Async } from '../../components/ui.js';
import { t } from '../../i18n/i18n.js';
import { href } from '../../router.js';
import { useApi } from '../../use-api.js';
import { bySlaDeadline, statusLabel, TicketTable } from '../tickets/ticket-table.js';
import { useLiveReload } from './overview.js';

const STATUSES = ['new', 'acknowledged', 'in_progress', 'waiting_client', 'resolved', 'closed'];
const OPEN = new Set(['new', 'acknowledged', 'in_progress', 'waiting_client']);

/** The technicians' queue: every client's tickets, filtered, updated live. */
export function TicketQueuePage() {
  const [status, setStatus] = useState('open');
  const [clientId, setClientId] = useState('');
  const [assignee, setAssignee] = useState('');
  const [text, setText] = useState('');
  const [order, setOrder] = useState<'deadline' | 'received'>('deadline');
  const clients = useApi<ClientList>('/api/v1/clients');
  const users = useApi<AssignableUsers>('/api/v1/users/assignable');
  const list = useApi<TicketList>(
    `/api/v1/tickets${qs({ status: status === 'open' ? undefined : status || undefined, clientId: clientId || undefined, limit: 500 })}`,
  );
  useLiveReload(list.reload, (type) => type === 'ticket');
  const clientName = (id: number) => clients.data?.clients.find((c) => c.id === id)?.name ?? `#${id}`;
  const userName = (id: number | null) => (id === null ? '—' : (users.data?.users.find((u) => u.id === id)?.name ?? `#${id}`));
  return (
    <>
      <div class="page-head">
        <h1>{t('tickets.title')}</h1>
        <a class="button" href={href('/tickets/new')}>
          {t('tickets.new')}
        </a>
      </div>
      <div class="filters">
        <input type="search" class="grow" placeholder={t('app.search')} value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        <select aria-label={t('tickets.status')} value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
          <option value="open">{t('tickets.open')}</option>
          <option value="">{t('tickets.allStatuses')}</option>
          {STATUSES.map((s) => (
            <option value={s}>{statusLabel(s)}</option>
          ))}
        </select>
        <select aria-label={t('tickets.client')} value={clientId} onChange={(e) => setClientId((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t('devices.allClients')}</option>
          {clients.data?.clients.map((c) => (
            <option value={String(c.id)}>{c.name}</option>
          ))}
        </select>
        <select
          aria-label={t('tickets.sort')}
          value={order}
          data-testid="ticket-sort"
          onChange={(e) => setOrder((e.currentTarget as HTMLSelectElement).value as 'deadline')}
        >
          <option value="deadline">{t('tickets.sort.deadline')}</option>
          <option value="received">{t('tickets.sort.received')}</option>
        </select>
        <select aria-label={t('tickets.assignee')} value={assignee} onChange={(e) => setAssignee((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t('tickets.assignee')}</option>
          <option value="none">{t('tickets.unassigned')}</option>
          {users.data?.users.map((u) => (
            <option value={String(u.id)}>{u.name}</option>
          ))}
        </select>
      </div>
      <section class="card">
        <Async state={list}>
          {(r) => {
            const f = text.trim().toLowerCase();
            const shown = r.tickets.filter(
              (tk) =>
                (status !== 'open' || OPEN.has(tk.status)) &&
                (!assignee || (assignee === 'none' ? tk.assigneeId === null : tk.assigneeId === Number(assignee))) &&
                (!f || `${tk.id} ${tk.title} ${clientName(tk.clientId)}`.toLowerCase().includes(f)),
            );
            const sorted = [...shown].sort(order === 'deadline' ? bySlaDeadline : (a, b) => b.receivedAt - a.receivedAt);
            return <TicketTable tickets={sorted} clientName={clientName} userName={userName} />;
          }}
        </Async>
      </section>
    </>
  );
}
