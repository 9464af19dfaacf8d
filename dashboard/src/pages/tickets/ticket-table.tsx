import type { TicketSummary } from '@vigie/shared/api';
import { Badge, Empty } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';

export type { TicketSummary };

export const statusLabel = (s: string) => t(`ticket.status.${s}` as MessageKey);

export function TicketTable({
  tickets,
  compact,
  clientName,
  userName,
}: {
  tickets: TicketSummary[];
  compact?: boolean;
  clientName?: (id: number) => string;
  userName?: (id: number | null) => string;
}) {
  if (tickets.length === 0) return <Empty text={t('tickets.none')} />;
  return (
    <table class={`table ${compact ? 'compact' : ''}`} data-testid="tickets">
      <thead>
        <tr>
          <th>{t('tickets.id')}</th>
          <th>{t('tickets.subject')}</th>
          {clientName && <th>{t('tickets.client')}</th>}
          <th>{t('tickets.status')}</th>
          {!compact && <th>{t('tickets.priority')}</th>}
          {!compact && <th>{t('tickets.channel')}</th>}
          <th>{t('tickets.received')}</th>
          <th>{t('tickets.deadline')}</th>
          {userName && <th>{t('tickets.assignee')}</th>}
        </tr>
      </thead>
      <tbody>
        {tickets.map((tk) => (
          <tr data-ticket={tk.id}>
            <td class="mono">#{tk.id}</td>
            <td>
              <a href={href(`/tickets/${tk.id}`)}>{tk.title}</a>
            </td>
            {clientName && <td>{clientName(tk.clientId)}</td>}
            <td>
              <Badge kind={`ticket-${tk.status}`}>{statusLabel(tk.status)}</Badge>
            </td>
            {!compact && <td>{t(`ticket.priority.${tk.priority}` as MessageKey)}</td>}
            {!compact && <td>{t(`ticket.channel.${tk.channel}` as MessageKey)}</td>}
            <td class="muted">{fmt.dateTime(tk.receivedAt)}</td>
            <td class={tk.sla === 'breached' || tk.sla === 'missed' ? 'text-critical' : ''}>
              {tk.slaDeadlineAt ? fmt.dateTime(tk.slaDeadlineAt) : t('ticket.sla.none')}
              {tk.sla !== 'none' && <small class="muted"> · {t(`ticket.sla.${tk.sla}` as MessageKey)}</small>}
            </td>
            {userName && <td>{userName(tk.assigneeId)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
