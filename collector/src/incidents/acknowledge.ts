import { VigieError } from '@vigie/shared';
import { IdParams, Incident } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import { actorOf, requireRole } from '../auth/guard.js';
import type { Database } from '../store/database.js';
import type { TicketService } from '../tickets/service.js';
import { listIncidents } from './list.js';

/**
 * A technician acknowledges an incident: it shows as taken in hand, and its ticket, still new, moves
 * to acknowledged (its timeline says who). Acknowledging twice changes nothing.
 */
export function registerIncidentAcknowledge(
  app: FastifyInstance,
  deps: { db: Database; tickets: TicketService; onChange: (incident: { client_id: number } & Record<string, unknown>) => void },
): void {
  const { db, tickets } = deps;
  app.post(
    '/api/v1/incidents/:id/acknowledge',
    { schema: { tags: ['incidents'], params: IdParams, response: { 200: Incident } } },
    async (req: FastifyRequest<{ Params: { id: number } }>) => {
      const user = requireRole(req, 'admin', 'technician');
      const now = Date.now();
      const inc = await db.writeTransaction(() => {
        const row = db.sqlite.prepare('SELECT id, ticket_id, acknowledged_at FROM incidents WHERE id = ?').get(req.params.id) as
          | { id: number; ticket_id: number | null; acknowledged_at: number | null }
          | undefined;
        if (!row) throw new VigieError('NOT_FOUND');
        if (row.acknowledged_at === null)
          db.sqlite.prepare('UPDATE incidents SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?').run(now, user.id, row.id);
        return row;
      });
      if (inc.acknowledged_at === null) {
        if (inc.ticket_id !== null) {
          const t = await tickets.get(inc.ticket_id);
          if (t?.status === 'new')
            await tickets.addEvent(inc.ticket_id, { type: 'status', status: 'acknowledged', note: `Incident #${inc.id} pris en compte` }, { user }, now);
        }
        await audit(db, actorOf(user), 'incident.acknowledge', `incident:${inc.id}`);
      }
      const [view] = (await listIncidents(db, { id: inc.id, limit: 1 })) as ({ client_id: number } & Record<string, unknown>)[];
      deps.onChange(view!);
      return view;
    },
  );
}
