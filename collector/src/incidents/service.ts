import { type Kysely, sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import type { TicketChange, TicketService } from '../tickets/service.js';

export interface Problem {
  fingerprint: string;
  clientId: number;
  siteId: number;
  deviceId: number | null;
  ruleId: number;
  target: string;
  severity: 'warning' | 'critical';
  /** French, for the ticket title and timeline. */
  message: string;
}

export interface IncidentSettings {
  /** A problem coming back within this time reopens its ticket instead of opening a new one. */
  reopenWindowMs: number;
  /** After recovery, the ticket is resolved once the problem stayed away this long. */
  quietPeriodMs: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = { reopenWindowMs: 7 * 86_400_000, quietPeriodMs: 10 * 60_000 };

const SYSTEM = { system: 'monitoring' } as const;

type IncidentChange = 'opened' | 'recovered' | 'resolved' | 'flapping' | 'settled';

/** What one incident write changed, told to the live view and the ticket listeners once committed. */
interface Written {
  incident?: { change: IncidentChange; fingerprint: string };
  tickets: TicketChange[];
}

/**
 * Incidents: one per problem (fingerprint: client, device, rule, target), each with one ticket.
 * A problem that comes back reopens its ticket; recovery adds a note and, after a quiet period,
 * resolves it. Every automatic transition is written in the ticket's timeline.
 *
 * Each change of an incident is one transaction with its ticket's: an incident is never written
 * without its ticket nor a ticket opened for an incident that was not written, so a failed write
 * can be retried (the rules engine does, at its next evaluation) without duplicating anything.
 */
export class IncidentService {
  constructor(
    private readonly db: RelationalStore,
    private readonly tickets: TicketService,
    private readonly settings: IncidentSettings = DEFAULT_INCIDENT_SETTINGS,
    /** Told of every incident change (the live view). */
    private readonly onIncident: (change: IncidentChange, incident: { client_id: number } & Record<string, unknown>) => void = () => {},
  ) {}

  /**
   * Runs `write` in one transaction, then tells what it changed. Writers of one problem take turns:
   * on SQLite the transaction holds the write lock from its start; on PostgreSQL a transaction-scoped
   * advisory lock on the fingerprint does it, so two collectors evaluating the same rule at once never
   * both see no incident and open two tickets (the second sees the first's incident).
   */
  private async write(fingerprint: string, write: (trx: Kysely<DB>, out: Written) => Promise<void>): Promise<void> {
    const out: Written = { tickets: [] };
    const row = await this.db.kysely.transaction().execute(async (trx) => {
      if (this.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${`vigie.incident:${fingerprint}`}))`.execute(trx);
      await write(trx, out);
      return out.incident ? await latest(trx, fingerprint) : undefined;
    });
    for (const c of out.tickets) this.tickets.announce(c);
    if (out.incident && row) this.onIncident(out.incident.change, row);
  }

  /** The problem's incident not resolved yet, if any. */
  private open(trx: Kysely<DB>, fingerprint: string) {
    return trx
      .selectFrom('incidents')
      .select(['id', 'ticket_id', 'status', 'flapping', 'suppressed'])
      .where('fingerprint', '=', fingerprint)
      .where('status', '!=', 'resolved')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** A problem began. `suppressed` (maintenance window, site outage) records it without a ticket. */
  async opened(p: Problem, now: number, suppressed?: string): Promise<void> {
    await this.write(p.fingerprint, async (trx, out) => {
      out.incident = { change: 'opened', fingerprint: p.fingerprint };
      const existing = await this.open(trx, p.fingerprint);
      if (existing) {
        // Recovering, and back before the quiet period ended: the same incident goes on.
        await trx.updateTable('incidents').set({ status: 'open', recovered_at: null }).where('id', '=', existing.id).execute();
        if (existing.ticket_id)
          out.tickets.push(
            await this.tickets.addEventIn(trx, existing.ticket_id, { type: 'comment', text: `Problème de nouveau présent : ${p.message}` }, SYSTEM, now),
          );
        return;
      }
      const ticketId = suppressed ? null : await this.ticketFor(trx, p, now, out);
      await trx
        .insertInto('incidents')
        .values({
          fingerprint: p.fingerprint,
          client_id: p.clientId,
          site_id: p.siteId,
          device_id: p.deviceId,
          rule_id: p.ruleId,
          target: p.target,
          severity: p.severity,
          status: 'open',
          flapping: 0,
          suppressed: suppressed ?? null,
          message: p.message,
          opened_at: now,
          ticket_id: ticketId,
        })
        .execute();
    });
  }

  /** The ticket of this problem: its last one reopened if recent enough, else a new one. */
  private async ticketFor(trx: Kysely<DB>, p: Problem, now: number, out: Written): Promise<number> {
    const last = await trx
      .selectFrom('incidents as i')
      .innerJoin('tickets as t', 't.id', 'i.ticket_id')
      .select(['t.id', 't.status', 't.resolved_at', 't.closed_at', 't.updated_at'])
      .where('i.fingerprint', '=', p.fingerprint)
      .orderBy('i.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last) {
      const endedAt = last.closed_at ?? last.resolved_at;
      if (endedAt === null) {
        out.tickets.push(await this.tickets.addEventIn(trx, last.id, { type: 'comment', text: `Incident de nouveau détecté : ${p.message}` }, SYSTEM, now));
        return last.id;
      }
      if (now - endedAt <= this.settings.reopenWindowMs) {
        out.tickets.push(
          await this.tickets.addEventIn(
            trx,
            last.id,
            { type: 'status', status: 'in_progress', note: `Rouvert : le problème est revenu — ${p.message}` },
            SYSTEM,
            now,
          ),
        );
        return last.id;
      }
    }
    const { ticketId, change } = await this.tickets.createIn(
      trx,
      {
        clientId: p.clientId,
        title: `${p.severity === 'critical' ? '[Critique]' : '[Alerte]'} ${p.message}`.slice(0, 300),
        description: `Incident détecté par la supervision.\n${p.message}`,
        kind: 'urgent',
        mode: 'remote',
        priority: p.severity === 'critical' ? 'critical' : 'high',
        deviceIds: p.deviceId ? [p.deviceId] : [],
        receivedAt: now,
      },
      SYSTEM,
      now,
    );
    out.tickets.push(change);
    await trx.updateTable('tickets').set({ fingerprint: p.fingerprint }).where('id', '=', ticketId).execute();
    return ticketId;
  }

  /** The problem went away: a note now, the ticket resolved after the quiet period (see `settle`). */
  async recovered(fingerprint: string, message: string, now: number): Promise<void> {
    await this.write(fingerprint, async (trx, out) => {
      const inc = await this.open(trx, fingerprint);
      if (!inc || inc.status === 'recovering') return;
      // Conditional: of two collectors seeing the recovery at once, one writes it (and its note).
      const r = await trx
        .updateTable('incidents')
        .set({ status: 'recovering', recovered_at: now })
        .where('id', '=', inc.id)
        .where('status', '=', inc.status)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return;
      if (inc.ticket_id)
        out.tickets.push(await this.tickets.addEventIn(trx, inc.ticket_id, { type: 'comment', text: `Retour à la normale : ${message}` }, SYSTEM, now));
      out.incident = { change: 'recovered', fingerprint };
    });
  }

  async flapping(fingerprint: string, now: number, on: boolean): Promise<void> {
    await this.write(fingerprint, async (trx, out) => {
      const inc = await trx
        .selectFrom('incidents')
        .select(['id', 'ticket_id'])
        .where('fingerprint', '=', fingerprint)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!inc) return;
      await trx
        .updateTable('incidents')
        .set({ flapping: on ? 1 : 0 })
        .where('id', '=', inc.id)
        .execute();
      if (inc.ticket_id) {
        const text = on
          ? 'Le problème apparaît et disparaît sans cesse (instable) : il est suivi comme un seul incident.'
          : 'Le problème est stable de nouveau.';
        out.tickets.push(await this.tickets.addEventIn(trx, inc.ticket_id, { type: 'comment', text }, SYSTEM, now));
      }
      out.incident = { change: on ? 'flapping' : 'settled', fingerprint };
    });
  }

  /** Resolves incidents (and their tickets) that stayed recovered for the quiet period, each in its own transaction. */
  async settle(now: number): Promise<void> {
    const due = await this.db.kysely
      .selectFrom('incidents')
      .select(['id', 'ticket_id', 'flapping', 'fingerprint'])
      .where('status', '=', 'recovering')
      .where('recovered_at', '<=', now - this.settings.quietPeriodMs)
      .orderBy('id')
      .execute();
    for (const inc of due) {
      if (inc.flapping) continue;
      await this.write(inc.fingerprint, async (trx, out) => {
        // Conditional: one winner when two collectors settle at once; none when it came back meanwhile.
        const changed = await trx
          .updateTable('incidents')
          .set({ status: 'resolved', resolved_at: now })
          .where('id', '=', inc.id)
          .where('status', '=', 'recovering')
          .executeTakeFirst();
        if (Number(changed.numUpdatedRows) === 0) return; // resolved or reopened meanwhile
        out.incident = { change: 'resolved', fingerprint: inc.fingerprint };
        if (!inc.ticket_id) return;
        // Locked on PostgreSQL: of two incidents of one ticket settled at once, the second counts after the first committed.
        let ticket = trx.selectFrom('tickets').select('status').where('id', '=', inc.ticket_id);
        if (this.db.dialect === 'postgres') ticket = ticket.forUpdate();
        const t = await ticket.executeTakeFirst();
        // Other open incidents on the same ticket (a reopened one) keep it open.
        const others = await trx
          .selectFrom('incidents')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('ticket_id', '=', inc.ticket_id)
          .where('status', '!=', 'resolved')
          .executeTakeFirstOrThrow();
        if (t && Number(others.n) === 0 && t.status !== 'resolved' && t.status !== 'closed') {
          out.tickets.push(
            await this.tickets.addEventIn(
              trx,
              inc.ticket_id,
              { type: 'status', status: 'resolved', note: 'Résolu automatiquement : aucun retour du problème pendant la période de calme.' },
              SYSTEM,
              now,
            ),
          );
        }
      });
    }
  }
}

/** A problem's newest incident, as the live view shows it. */
function latest(trx: Kysely<DB>, fingerprint: string) {
  return trx.selectFrom('incidents').selectAll().where('fingerprint', '=', fingerprint).orderBy('id', 'desc').limit(1).executeTakeFirst();
}
