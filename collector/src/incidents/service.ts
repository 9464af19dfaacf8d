import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
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
 * The incident statements run on the store's connection inside the Kysely transaction `trx` holds.
 */
export class IncidentService {
  constructor(
    private readonly db: Database,
    private readonly tickets: TicketService,
    private readonly settings: IncidentSettings = DEFAULT_INCIDENT_SETTINGS,
    /** Told of every incident change (the live view). */
    private readonly onIncident: (change: IncidentChange, incident: { client_id: number } & Record<string, unknown>) => void = () => {},
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  /** Runs `write` in one transaction, then tells what it changed. */
  private async write(write: (trx: Kysely<DB>, out: Written) => Promise<void>): Promise<void> {
    const out: Written = { tickets: [] };
    await this.db.kysely.transaction().execute((trx) => write(trx, out));
    for (const c of out.tickets) this.tickets.announce(c);
    if (out.incident) await this.tell(out.incident.change, out.incident.fingerprint);
  }

  private async tell(change: IncidentChange, fingerprint: string): Promise<void> {
    const row = await this.db.writeLock(
      () =>
        this.sql.prepare('SELECT * FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1').get(fingerprint) as
          | ({ client_id: number } & Record<string, unknown>)
          | undefined,
    );
    if (row) this.onIncident(change, row);
  }

  private open(fingerprint: string) {
    return this.sql.prepare("SELECT * FROM incidents WHERE fingerprint = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1").get(fingerprint) as
      | { id: number; ticket_id: number | null; status: string; flapping: number; suppressed: string | null }
      | undefined;
  }

  /** A problem began. `suppressed` (maintenance window, site outage) records it without a ticket. */
  async opened(p: Problem, now: number, suppressed?: string): Promise<void> {
    await this.write(async (trx, out) => {
      out.incident = { change: 'opened', fingerprint: p.fingerprint };
      const existing = this.open(p.fingerprint);
      if (existing) {
        // Recovering, and back before the quiet period ended: the same incident goes on.
        this.sql.prepare("UPDATE incidents SET status = 'open', recovered_at = NULL WHERE id = ?").run(existing.id);
        if (existing.ticket_id)
          out.tickets.push(
            await this.tickets.addEventIn(trx, existing.ticket_id, { type: 'comment', text: `Problème de nouveau présent : ${p.message}` }, SYSTEM, now),
          );
        return;
      }
      const ticketId = suppressed ? null : await this.ticketFor(trx, p, now, out);
      this.sql
        .prepare(
          `INSERT INTO incidents (fingerprint, client_id, site_id, device_id, rule_id, target, severity, status, flapping, suppressed, message, opened_at, ticket_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, ?, ?, ?)`,
        )
        .run(p.fingerprint, p.clientId, p.siteId, p.deviceId, p.ruleId, p.target, p.severity, suppressed ?? null, p.message, now, ticketId);
    });
  }

  /** The ticket of this problem: its last one reopened if recent enough, else a new one. */
  private async ticketFor(trx: Kysely<DB>, p: Problem, now: number, out: Written): Promise<number> {
    const last = this.sql
      .prepare(
        'SELECT t.id, t.status, t.resolved_at, t.closed_at, t.updated_at FROM incidents i JOIN tickets t ON t.id = i.ticket_id WHERE i.fingerprint = ? ORDER BY i.id DESC LIMIT 1',
      )
      .get(p.fingerprint) as { id: number; status: string; resolved_at: number | null; closed_at: number | null; updated_at: number } | undefined;
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
    this.sql.prepare('UPDATE tickets SET fingerprint = ? WHERE id = ?').run(p.fingerprint, ticketId);
    return ticketId;
  }

  /** The problem went away: a note now, the ticket resolved after the quiet period (see `settle`). */
  async recovered(fingerprint: string, message: string, now: number): Promise<void> {
    await this.write(async (trx, out) => {
      const inc = this.open(fingerprint);
      if (!inc || inc.status === 'recovering') return;
      this.sql.prepare("UPDATE incidents SET status = 'recovering', recovered_at = ? WHERE id = ?").run(now, inc.id);
      if (inc.ticket_id)
        out.tickets.push(await this.tickets.addEventIn(trx, inc.ticket_id, { type: 'comment', text: `Retour à la normale : ${message}` }, SYSTEM, now));
      out.incident = { change: 'recovered', fingerprint };
    });
  }

  async flapping(fingerprint: string, now: number, on: boolean): Promise<void> {
    await this.write(async (trx, out) => {
      const inc = this.sql.prepare('SELECT id, ticket_id FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1').get(fingerprint) as
        | { id: number; ticket_id: number | null }
        | undefined;
      if (!inc) return;
      this.sql.prepare('UPDATE incidents SET flapping = ? WHERE id = ?').run(on ? 1 : 0, inc.id);
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
    const due = await this.db.writeLock(
      () =>
        this.sql
          .prepare("SELECT id, ticket_id, flapping, fingerprint FROM incidents WHERE status = 'recovering' AND recovered_at <= ?")
          .all(now - this.settings.quietPeriodMs) as { id: number; ticket_id: number | null; flapping: number; fingerprint: string }[],
    );
    for (const inc of due) {
      if (inc.flapping) continue;
      await this.write(async (trx, out) => {
        const changed = this.sql.prepare("UPDATE incidents SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'recovering'").run(now, inc.id);
        if (changed.changes === 0) return; // resolved or reopened meanwhile
        out.incident = { change: 'resolved', fingerprint: inc.fingerprint };
        if (!inc.ticket_id) return;
        const t = this.sql.prepare('SELECT status FROM tickets WHERE id = ?').get(inc.ticket_id) as { status: string } | undefined;
        // Other open incidents on the same ticket (a reopened one) keep it open.
        const others = this.sql.prepare("SELECT count(*) AS n FROM incidents WHERE ticket_id = ? AND status != 'resolved'").get(inc.ticket_id) as {
          n: number;
        };
        if (t && others.n === 0 && t.status !== 'resolved' && t.status !== 'closed') {
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
