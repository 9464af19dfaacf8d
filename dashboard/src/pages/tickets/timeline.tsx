import type { TimelineEvent } from '@vigie/shared/api';
import { fmt, type MessageKey, t } from '../../i18n/i18n.js';
import { statusLabel } from './ticket-table.js';

export type { TimelineEvent };

function describe(e: TimelineEvent, userName: (id: number) => string | undefined): string {
  switch (e.type) {
    case 'created':
      return t('ticket.ev.created', { channel: e.channel ? t(`ticket.channel.${e.channel}` as MessageKey) : '' });
    case 'comment':
      return t('ticket.ev.comment');
    case 'status':
      return e.reopened ? t('ticket.ev.reopened') : t('ticket.ev.status', { from: statusLabel(String(e.from)), to: statusLabel(String(e.to)) });
    case 'assign':
      if (e.to === null || e.to === undefined) return t('ticket.ev.unassign');
      return userName(Number(e.to)) ? t('ticket.ev.assign', { to: userName(Number(e.to))! }) : t('ticket.ev.assignSomeone');
    case 'time':
      return t('ticket.ev.time', { minutes: e.minutes ?? 0 });
    case 'intervention':
      return t('ticket.ev.intervention');
    case 'intervention_changed':
      return t('ticket.ev.intervention_changed');
    case 'intervention_deleted':
      return t('ticket.ev.intervention_deleted');
    case 'supply_order':
      return t('ticket.ev.supply_order', { supplier: e.supplier ?? '' });
    case 'recurring':
      return t('ticket.ev.recurring');
    case 'attachment':
      return t('ticket.ev.attachment', { name: String(e.name ?? '') });
    case 'linked':
      return t('ticket.ev.linked', { id: String(e.ticketId ?? '') });
    case 'published':
      return t('ticket.ev.published');
    case 'remote_session':
      return e.change === 'started'
        ? t('ticket.ev.remote_session_started', { host: e.hostname ?? '' })
        : t('ticket.ev.remote_session_ended', { minutes: e.minutes ?? 0 });
    default:
      return t('ticket.ev.other', { type: e.type });
  }
}

/** Every action on the ticket, oldest first, with its author and Paris time. */
export function Timeline({ events, userName = () => undefined }: { events: TimelineEvent[]; userName?: (id: number) => string | undefined }) {
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((e) => (
        <li class={`ev ev-${e.type}`} data-type={e.type}>
          <div class="ev-head">
            <strong>{describe(e, userName)}</strong>
            <span class="muted">
              {e.authorName ?? (e.author.startsWith('system:') ? t('ticket.system') : e.author)} · {fmt.dateTimeSec(e.at)}
            </span>
          </div>
          {(e.type === 'comment' || e.type === 'recurring') && <p class="prewrap">{e.text}</p>}
          {e.note && <p class="prewrap muted">{e.note}</p>}
          {e.type === 'intervention' && (
            <p>
              {e.minutes} min · {t(`ticket.kind.${e.kind}` as MessageKey)} · {t(`ticket.mode.${e.mode}` as MessageKey)} ·{' '}
              {t('time.quoteResult', {
                count: e.count ?? 0,
                unit: t(`unit.${e.unit}` as MessageKey),
                price: fmt.money(e.unitPriceCents),
                amount: fmt.money(e.amountCents),
              })}
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}
