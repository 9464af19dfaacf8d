import type { TicketSummary } from '@vigie/shared/api';
import { Badge, Empty } from '../../components/ui.js';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { href } from '../../router.js';

export type { TicketSummary };

export const statusLabel = (s: string) => t(`ticket.status.${s}` as MessageKey);

const OPEN = new Set(['new', 'acknowledged', 'in_progress', 'waiting_client']);

/**
 * What to work first (issue 18): open tickets whose SLA clock runs, by deadline (a breached one
 * first); then the other open ones by their planned date; then the closed ones, latest first.
 */
export function bySlaDeadline(a: TicketSummary, b: TicketSummary): number {
  const group = (x: TicketSummary) => (!OPEN.has(x.status) ? 2 : x.sla === 'running' || x.sla === 'breached' ? 0 : 1);
  const ga = group(a);
  const gb = group(b);
  if (ga !== gb) return ga - gb;
  if (ga === 0) return (a.slaDeadlineAt ?? 0) - (b.slaDeadlineAt ?? 0);
  if (ga === 1) return (a.plannedDate ?? '9999').localeCompare(b.plannedDate ?? '9999') || b.receivedAt - a.receivedAt;
  return b.updatedAt - a.updatedAt;
}

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
    <table class={`table cards ${compact ? 'compact' : ''}`} data-testid="tickets">
      <thead>
        <tr>
          <th>{t('tickets.id')}</th>
          <th>{t('tickets.subject')}</th>
          {clientName && <th>{t('tickets.client')}</th>}
          <th>{t('tickets.status')}</th>
          {!compact && <th>{t('ticket.kindMode')}</th>}
          {!compact && <th>{t('tickets.channel')}</th>}
          <th>{t('tickets.received')}</th>
          <th>{t('tickets.deadline')}</th>
          {userName && <th>{t('tickets.assignee')}</th>}
        </tr>
      </thead>
      <tbody>
        {tickets.map((tk) => (
          <tr data-ticket={tk.id}>
            <td class="mono" data-label={t('tickets.id')}>
              #{tk.id}
            </td>
            <td class="card-title">
              <a href={href(`/tickets/${tk.id}`)}>{tk.title}</a>
              {!tk.clientVisible && (
                <span class="badge state-unknown small" title={t('ticket.internalHint')}>
                  {' '}
                  {t('ticket.internal')}
                </span>
              )}
            </td>
            {clientName && <td data-label={t('tickets.client')}>{clientName(tk.clientId)}</td>}
            <td data-label={t('tickets.status')}>
              <Badge kind={`ticket-${tk.status}`}>{statusLabel(tk.status)}</Badge>
            </td>
            {!compact && (
              <td data-label={t('ticket.kindMode')}>
                {t(`ticket.kind.${tk.kind}` as MessageKey)} · {t(`ticket.mode.${tk.mode}` as MessageKey)}
              </td>
            )}
            {!compact && <td data-label={t('tickets.channel')}>{t(`ticket.channel.${tk.channel}` as MessageKey)}</td>}
            <td class="muted" data-label={t('tickets.received')}>
              {fmt.dateTime(tk.receivedAt)}
            </td>
            <td class={tk.sla === 'breached' || tk.sla === 'missed' ? 'text-critical' : ''} data-label={t('tickets.deadline')} data-testid="deadline">
              {tk.slaDeadlineAt
                ? fmt.dateTime(tk.slaDeadlineAt)
                : tk.plannedDate
                  ? t('ticket.plannedOn', { date: fmt.dayLong(tk.plannedDate) })
                  : t('ticket.sla.none')}
              {tk.sla !== 'none' && <small class="muted"> · {t(`ticket.sla.${tk.sla}` as MessageKey)}</small>}
            </td>
            {userName && <td data-label={t('tickets.assignee')}>{userName(tk.assigneeId)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
