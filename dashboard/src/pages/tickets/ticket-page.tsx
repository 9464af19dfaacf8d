import type { AssignableUsers, ClientList, DeviceList, TicketDetail } from '@vigie/shared/api';
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useConfirm } from '../../components/confirm.js';
import { Async, Badge, KeyValues, Section } from '../../components/ui.js';
import { errorText } from '../../error-text.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { liveTicketId, useLive } from '../../live.js';
import { href, useHashQuery } from '../../router.js';
import { isStaff, type User } from '../../session.js';
import { useApi } from '../../use-api.js';
import { RemoteSessionsPanel } from '../remote/remote-sessions.js';
import { TicketAttachments } from './attachments.js';
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
  const hq = useHashQuery();
  const clients = useApi<ClientList>('/api/v1/clients');
  const clientName = clients.data?.clients.find((c) => c.id === tk.clientId)?.name ?? '';
  const devices = useApi<DeviceList>(tk.deviceIds.length ? `/api/v1/devices?clientId=${tk.clientId}&limit=1000` : null);
  const deviceName = (id: number) => devices.data?.devices.find((d) => d.id === id)?.hostname ?? `#${id}`;
  // Staff see who was assigned; a client reads that a technician took the ticket.
  const assignable = useApi<AssignableUsers>(staff ? '/api/v1/users/assignable' : null);
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
        <span class="row">
          {!tk.clientVisible && (
            <span class="badge state-unknown" data-testid="internal" title={t('ticket.internalHint')}>
              {t('ticket.internal')}
            </span>
          )}
          <Badge kind={`ticket-${tk.status}`}>{statusLabel(tk.status)}</Badge>
        </span>
      </div>
      <div class="grid-2 wide-left">
        <div>
          <Section title={t('ticket.description')}>
            <p class="prewrap">{tk.description}</p>
          </Section>
          <Section title={t('ticket.attachments')}>
            <TicketAttachments ticketId={tk.id} attachments={tk.attachments} onDone={reload} initialError={hq.get('upload')} />
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
                ['field.plannedDate', tk.plannedDate ? fmt.dayLong(tk.plannedDate) : ''],
                [
                  'tickets.deadline',
                  <span data-testid="sla" data-sla={tk.sla}>
                    {tk.slaDeadlineAt ? `${fmt.dateTime(tk.slaDeadlineAt)} · ${t(`ticket.sla.${tk.sla}` as MessageKey)}` : t('ticket.sla.none')}
                  </span>,
                ],
                ['ticket.takenInCharge', tk.interventionStartedAt ? fmt.dateTime(tk.interventionStartedAt) : ''],
                [
                  'ticket.devices',
                  tk.deviceIds.length
                    ? tk.deviceIds.map((d) => (
                        <>
                          <a href={href(`/devices/${d}`)}>{deviceName(d)}</a>{' '}
                        </>
                      ))
                    : '',
                ],
                [
                  'ticket.links',
                  tk.links.length ? (
                    <span data-testid="links">
                      {tk.links.map((l) => (
                        <>
                          <a href={href(`/tickets/${l.id}`)}>
                            #{l.id} {l.title}
                          </a>{' '}
                          <span class="muted small">({statusLabel(l.status)})</span>{' '}
                        </>
                      ))}
                    </span>
                  ) : (
                    ''
                  ),
                ],
              ]}
            />
          </Section>
          {staff && !tk.clientVisible && <PublishTicket tk={tk} onDone={reload} />}
          {staff && <StaffActions tk={tk} onDone={reload} />}
          {staff && <LinkForm tk={tk} onDone={reload} />}
          {staff && <RemoteSessionsPanel ticketId={tk.id} deviceIds={tk.deviceIds} onChange={reload} />}
          {staff && <InterventionForm tk={tk} onDone={reload} />}
        </div>
      </div>
    </>
  );
}

/** A monitoring ticket shown to the client: it sees it and its history, and its users are told from now on. */
function PublishTicket({ tk, onDone }: { tk: TicketDetail; onDone: () => void }) {
  const [dialog, confirm] = useConfirm();
  const a = useAction(onDone);
  return (
    <Section title={t('ticket.publish')}>
      {dialog}
      <p class="muted small">{t('ticket.internalHint')}</p>
      <button
        type="button"
        class="secondary"
        data-testid="publish"
        disabled={a.busy}
        onClick={async () => {
          if (await confirm(t('confirm.publish.title', { id: tk.id }), <p>{t('confirm.publish.body')}</p>, t('ticket.publish')))
            a.run(() => api(`/api/v1/tickets/${tk.id}/publish`, { body: {} }));
        }}
      >
        {t('ticket.publish')}
      </button>
      {a.error && <p class="error">{a.error}</p>}
    </Section>
  );
}

/** The client's request and the automatic ticket of the same problem are the same work. */
function LinkForm({ tk, onDone }: { tk: TicketDetail; onDone: () => void }) {
  const [other, setOther] = useState('');
  const a = useAction(() => {
    setOther('');
    onDone();
  });
  return (
    <form
      class="row wrap card"
      data-testid="link-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (/^\d+$/.test(other)) a.run(() => api(`/api/v1/tickets/${tk.id}/links`, { body: { ticketId: Number(other) } }));
      }}
    >
      <label class="grow">
        {t('ticket.linkTo')}
        <input
          type="text"
          inputMode="numeric"
          value={other}
          placeholder="123"
          onInput={(e) => setOther((e.currentTarget as HTMLInputElement).value.replace(/^#/, ''))}
        />
      </label>
      <button type="submit" class="secondary small" disabled={a.busy || !/^\d+$/.test(other)}>
        {t('ticket.link')}
      </button>
      {a.error && <p class="error">{a.error}</p>}
    </form>
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
      setError(errorText(err));
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
  const assignable = useApi<AssignableUsers>('/api/v1/users/assignable');
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
