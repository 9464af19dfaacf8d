import { VigieError } from '@vigie/shared';
import { IdParams, Incident } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appendAuditInTransaction, refreshAuditHeadOf } from '../audit/repository.js';
import { actorOf, requireRole } from '../auth/guard.js';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { TicketChange, TicketService } from '../tickets/service.js';
import { listIncidents } from './list.js';

/**
 * A technician acknowledges an incident: it shows as taken in hand, and its ticket, still new, moves
 * to acknowledged (its timeline says who). Acknowledging twice changes nothing.
 */
export function registerIncidentAcknowledge(
  app: FastifyInstance,
  deps: { db: RelationalStore; tickets: TicketService; onChange: (incident: { client_id: number } & Record<string, unknown>) => void },
): void {
  const { db, tickets } = deps;
  app.post(
    '/api/v1/incidents/:id/acknowledge',
    { schema: { tags: ['incidents'], params: IdParams, response: { 200: Incident } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      await acknowledgeIncident(db, tickets, req.params.id, user);
      const [view] = (await listIncidents(db, { id: req.params.id, limit: 1 })) as ({ client_id: number } & Record<string, unknown>)[];
      deps.onChange(view!);
      return view;
    },
  );
}

/**
 * Acknowledges an incident for `user`; true when this call did it, false when it was acknowledged
 * already. Throws NOT_FOUND for an unknown incident.
 */
export async function acknowledgeIncident(
  db: RelationalStore,
  tickets: TicketService,
  incidentId: number,
  user: SessionUser,
  now = Date.now(),
): Promise<boolean> {
  // One transaction, and a conditional update: of two acknowledgements at once (two technicians,
  // two collectors), one wins and moves the ticket and is audited; the other changes nothing.
  const done = await db.kysely.transaction().execute(async (tx) => {
    const won = await tx
      .updateTable('incidents')
      .set({ acknowledged_at: now, acknowledged_by: user.id })
      .where('id', '=', incidentId)
      .where('acknowledged_at', 'is', null)
      .returning(['id', 'ticket_id'])
      .executeTakeFirst();
    if (!won) {
      if (!(await tx.selectFrom('incidents').select('id').where('id', '=', incidentId).executeTakeFirst())) throw new VigieError('NOT_FOUND');
      return undefined;
    }
    let change: TicketChange | undefined;
    if (won.ticket_id !== null) {
      // Locked on PostgreSQL: two incidents of one ticket acknowledged at once move it once.
      let ticket = tx.selectFrom('tickets').select('status').where('id', '=', won.ticket_id);
      if (db.dialect === 'postgres') ticket = ticket.forUpdate();
      if ((await ticket.executeTakeFirst())?.status === 'new')
        change = await tickets.addEventIn(
          tx,
          won.ticket_id,
          { type: 'status', status: 'acknowledged', note: `Incident #${won.id} pris en compte` },
          { user },
          now,
        );
    }
    await appendAuditInTransaction(tx, db.dialect, actorOf(user), 'incident.acknowledge', `incident:${won.id}`, null, {}, now);
    return { change };
  });
  if (!done) return false;
  if (done.change) tickets.announce(done.change);
  await refreshAuditHeadOf(db);
  return true;
}
