import type { TicketDetail } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api.js';
import { Async, Badge, KeyValues, Section } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { liveTicketId, useLive } from '../../live.js';
import { href } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { InterventionForm } from './intervention-form.js';
import { statusLabel } from './ticket-table.js';
import { Timeline } from './timeline.js';

export type { TicketDetail };

// Mirrors collector/src/tickets/lifecycle.ts: the moves the collector accepts from each status.
const NEXT: Record<string, string[]> = {
  new: ['acknowledged', 'in_progress', 'waiting_client', 'resolved', 'closed'],
  acknowledged: ['in_progress', 'waiting_client', 'resolved', 'closed'],
  in_progress: ['waiting_client', 'resolved'],
  waiting_client: ['in_progress', 'resolved'],
  resolved: ['closed', 'in_progress'],
  closed: ['in_progress'],
};

export function TicketPage({ id, user }: { id: number; user: User }) {
  const ticket = useApi<TicketDetail>(`/api/v1/tickets/${id}`);
  useLive((m) => {
    if (liveTicketId(m) === id) ticket.reload();
  });
  return <Async state={ticket}>{(tk) => <TicketView tk={tk} user={user} reload={ticket.reload} />}</Async>;
}

function TicketView({ tk, user, reload }: { tk: TicketDetail; user: User; reload: () => void }) {
  const staff = isStaff(user);
  const clients = useApi<{ clients: { id: number; name: string }[] }>('/api/v1/clients');
  const clientName = clients.data?.clients.find((c) => c.id === tk.clientId)?.name ?? '';
  // Staff see who was assigned; a client reads that a technician took the ticket.
  const assignable = useApi<{ users: { id: number; name: string }[] }>(staff ? '/api/v1/users/assignable' : null);
  const userName = (id: number) => assignable.data?.users.find((u) => u.id === id)?.name;
  return (
    <>
      <p>
        <a href={href(staff ? '/tickets' : '/')}>{t('app.back')}</a>
      </p>
      <div class="page-head">
        <h1 data-testid="ticket-title">
          {t('ticket.title', { id: tk.id })} — {tk.title}
        </h1>
        <Badge kind={`ticket-${tk.status}`}>{statusLabel(tk.status)}</Badge>
      </div>
      <div class="grid-2 wide-left">
        <div>
          <Section title={t('ticket.description')}>
            <p class="prewrap">{tk.description}</p>
          </Section>
          <Section title={t('ticket.timeline')}>
            <Timeline events={tk.timeline} userName={userName} />
            <CommentForm ticketId={tk.id} onDone={reload} />
          </Section>
        </div>
        <div>
          <Section title={t('ticket.kindMode')}>
            <KeyValues
              rows={[
                ['tickets.client', clientName],
                ['tickets.channel', t(`ticket.channel.${tk.channel}` as MessageKey)],
                ['ticket.kindMode', `${t(`ticket.kind.${tk.kind}` as MessageKey)} · ${t(`ticket.mode.${tk.mode}` as MessageKey)}`],
                ['tickets.priority', t(`ticket.priority.${tk.priority}` as MessageKey)],
                ['tickets.received', fmt.dateTime(tk.receivedAt)],
                [
                  'tickets.deadline',
                  tk.slaDeadlineAt ? `${fmt.dateTime(tk.slaDeadlineAt)} · ${t(`ticket.sla.${tk.sla}` as MessageKey)}` : t('ticket.sla.none'),
                ],
                ['ticket.plannedDate', tk.plannedDate ? fmt.day(tk.plannedDate) : ''],
                ['ticket.devices', tk.deviceIds.length ? tk.deviceIds.map((d) => <a href={href(`/devices/${d}`)}>#{d} </a>) : ''],
              ]}
            />
          </Section>
          {staff && <StaffActions tk={tk} onDone={reload} />}
          {staff && <InterventionForm tk={tk} onDone={reload} />}
        </div>
      </div>
    </>
  );
}

function useAction(onDone: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function CommentForm({ ticketId, onDone }: { ticketId: number; onDone: () => void }) {
  const [text, setText] = useState('');
  const a = useAction(() => {
    setText('');
    onDone();
  });
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) a.run(() => api(`/api/v1/tickets/${ticketId}/events`, { body: { type: 'comment', text } }));
      }}
    >
      <label>
        {t('ticket.comment')}
        <textarea rows={3} value={text} data-testid="comment" onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
      </label>
      {a.error && <p class="error">{a.error}</p>}
      <div>
        <button type="submit" disabled={a.busy || !text.trim()}>
          {t('ticket.addComment')}
        </button>
      </div>
    </form>
  );
}

function StaffActions({ tk, onDone }: { tk: TicketDetail; onDone: () => void }) {
  const next = NEXT[tk.status] ?? [];
  const [picked, setStatus] = useState('');
  // After a change the list of next statuses changes too: fall back to its first.
  const status = next.includes(picked) ? picked : (next[0] ?? '');
  const [note, setNote] = useState('');
  const assignable = useApi<{ users: { id: number; name: string }[] }>('/api/v1/users/assignable');
  const a = useAction(() => {
    setNote('');
    onDone();
  });
  return (
    <Section title={t('ticket.changeStatus')}>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          a.run(() => api(`/api/v1/tickets/${tk.id}/events`, { body: { type: 'status', status, ...(note.trim() ? { note } : {}) } }));
        }}
      >
        <div class="row">
          <select
            aria-label={t('ticket.changeStatus')}
            data-testid="status-select"
            value={status}
            onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}
          >
            {next.map((s) => (
              <option value={s}>{statusLabel(s)}</option>
            ))}
          </select>
          <button type="submit" disabled={a.busy || !status}>
            {t('ticket.apply')}
          </button>
        </div>
        <input type="text" placeholder={t('ticket.note')} value={note} onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)} />
      </form>
      <div class="row">
        <label class="grow">
          {t('ticket.assign')}
          <select
            data-testid="assignee"
            value={tk.assigneeId === null ? '' : String(tk.assigneeId)}
            onChange={(e) => {
              const v = (e.currentTarget as HTMLSelectElement).value;
              a.run(() => api(`/api/v1/tickets/${tk.id}/events`, { body: { type: 'assign', assigneeId: v ? Number(v) : null } }));
            }}
          >
            <option value="">{t('tickets.unassigned')}</option>
            {assignable.data?.users.map((u) => (
              <option value={String(u.id)}>{u.name}</option>
            ))}
          </select>
        </label>
      </div>
      {a.error && <p class="error">{a.error}</p>}
    </Section>
  );
}
