import type { TicketService } from '../tickets/service.js';
import type { LiveEvent } from './live-channel.js';

/**
 * Each committed ticket change goes to the dashboards with the ticket as it now is (its last
 * timeline entry only). An internal monitoring ticket goes to staff only (clientId null) until it is
 * published. A failure (the ticket unreadable) is logged and counted by the ticket service (/metrics).
 */
export function publishTicketChanges(tickets: TicketService, publishLive: (event: LiveEvent) => void): void {
  tickets.onChange('live', async (c) => {
    const t = await tickets.get(c.ticketId);
    if (t)
      publishLive({
        type: 'ticket',
        clientId: t.clientVisible ? c.clientId : null,
        data: { change: c.type, ticket: { ...t, timeline: t.timeline.slice(-1), attachments: [], links: [] } },
      });
  });
}
