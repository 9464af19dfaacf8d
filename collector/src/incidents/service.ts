import type { Database } from '../store/database.js';
import type { TicketService } from '../tickets/service.js';

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

/**
 * Incidents: one per problem (fingerprint: client, device, rule, target), each with one ticket.
 * A problem that comes back reopens its ticket; recovery adds a note and, after a quiet period,
 * resolves it. Every automatic transition is written in the ticket's timeline.
 */
export class IncidentService {
  constructor(
    private readonly db: Database,
    private readonly tickets: TicketService,
    private readonly settings: IncidentSettings = DEFAULT_INCIDENT_SETTINGS,
    /** Told of every incident change (the live view). */
    private readonly onIncident: (
      change: 'opened' | 'recovered' | 'resolved' | 'flapping' | 'settled',
      incident: { client_id: number } & Record<string, unknown>,
    ) => void = () => {},
  ) {}

  private tell(change: 'opened' | 'recovered' | 'resolved' | 'flapping' | 'settled', fingerprint: string): void {
    const row = this.db.sqlite.prepare('SELECT * FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1').get(fingerprint) as
      | ({ client_id: number } & Record<string, unknown>)
      | undefined;
    if (row) this.onIncident(change, row);
  }

  private open(fingerprint: string) {
    return this.db.sqlite.prepare("SELECT * FROM incidents WHERE fingerprint = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1").get(fingerprint) as
      | { id: number; ticket_id: number | null; status: string; flapping: number; suppressed: string | null }
      | undefined;
  }

  /** A problem began. `suppressed` (maintenance window, site outage) records it without a ticket. */
  async opened(p: Problem, now: number, suppressed?: string): Promise<void> {
    const existing = this.open(p.fingerprint);
    if (existing) {
      // Recovering, and back before the quiet period ended: the same incident goes on.
      await this.db.writeLock(() => this.db.sqlite.prepare("UPDATE incidents SET status = 'open', recovered_at = NULL WHERE id = ?").run(existing.id));
      if (existing.ticket_id)
        await this.tickets.addEvent(existing.ticket_id, { type: 'comment', text: `Problème de nouveau présent : ${p.message}` }, SYSTEM, now);
      this.tell('opened', p.fingerprint);
      return;
    }
    let ticketId: number | null = null;
    if (!suppressed) ticketId = await this.ticketFor(p, now);
    await this.db.writeLock(() =>
      this.db.sqlite
        .prepare(
          `INSERT INTO incidents (fingerprint, client_id, site_id, device_id, rule_id, target, severity, status, flapping, suppressed, message, opened_at, ticket_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, ?, ?, ?)`,
        )
        .run(p.fingerprint, p.clientId, p.siteId, p.deviceId, p.ruleId, p.target, p.severity, suppressed ?? null, p.message, now, ticketId),
    );
    this.tell('opened', p.fingerprint);
  }

  /** The ticket of this problem: its last one reopened if recent enough, else a new one. */
  private async ticketFor(p: Problem, now: number): Promise<number> {
    const last = this.db.sqlite
      .prepare(
        'SELECT t.id, t.status, t.resolved_at, t.closed_at, t.updated_at FROM incidents i JOIN tickets t ON t.id = i.ticket_id WHERE i.fingerprint = ? ORDER BY i.id DESC LIMIT 1',
      )
      .get(p.fingerprint) as { id: number; status: string; resolved_at: number | null; closed_at: number | null; updated_at: number } | undefined;
    if (last) {
      const endedAt = last.closed_at ?? last.resolved_at;
      if (endedAt === null) {
        await this.tickets.addEvent(last.id, { type: 'comment', text: `Incident de nouveau détecté : ${p.message}` }, SYSTEM, now);
        return last.id;
      }
      if (now - endedAt <= this.settings.reopenWindowMs) {
        await this.tickets.addEvent(last.id, { type: 'status', status: 'in_progress', note: `Rouvert : le problème est revenu — ${p.message}` }, SYSTEM, now);
        return last.id;
      }
    }
    const id = await this.tickets.create(
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
    await this.db.writeLock(() => this.db.sqlite.prepare('UPDATE tickets SET fingerprint = ? WHERE id = ?').run(p.fingerprint, id));
    return id;
  }

  /** The problem went away: a note now, the ticket resolved after the quiet period (see `settle`). */
  async recovered(fingerprint: string, message: string, now: number): Promise<void> {
    const inc = this.open(fingerprint);
    if (!inc || inc.status === 'recovering') return;
    await this.db.writeLock(() => this.db.sqlite.prepare("UPDATE incidents SET status = 'recovering', recovered_at = ? WHERE id = ?").run(now, inc.id));
    if (inc.ticket_id) await this.tickets.addEvent(inc.ticket_id, { type: 'comment', text: `Retour à la normale : ${message}` }, SYSTEM, now);
    this.tell('recovered', fingerprint);
  }

  async flapping(fingerprint: string, now: number, on: boolean): Promise<void> {
    const inc = this.db.sqlite.prepare('SELECT id, ticket_id FROM incidents WHERE fingerprint = ? ORDER BY id DESC LIMIT 1').get(fingerprint) as
      | { id: number; ticket_id: number | null }
      | undefined;
    if (!inc) return;
    await this.db.writeLock(() => this.db.sqlite.prepare('UPDATE incidents SET flapping = ? WHERE id = ?').run(on ? 1 : 0, inc.id));
    if (inc.ticket_id) {
      const text = on ? 'Le problème apparaît et disparaît sans cesse (instable) : il est suivi comme un seul incident.' : 'Le problème est stable de nouveau.';
      await this.tickets.addEvent(inc.ticket_id, { type: 'comment', text }, SYSTEM, now);
    }
    this.tell(on ? 'flapping' : 'settled', fingerprint);
  }

  /** Resolves incidents (and their tickets) that stayed recovered for the quiet period. */
  async settle(now: number): Promise<void> {
    const due = this.db.sqlite
      .prepare("SELECT id, ticket_id, flapping, fingerprint FROM incidents WHERE status = 'recovering' AND recovered_at <= ?")
      .all(now - this.settings.quietPeriodMs) as { id: number; ticket_id: number | null; flapping: number; fingerprint: string }[];
    for (const inc of due) {
      if (inc.flapping) continue;
      await this.db.writeLock(() => this.db.sqlite.prepare("UPDATE incidents SET status = 'resolved', resolved_at = ? WHERE id = ?").run(now, inc.id));
      this.tell('resolved', inc.fingerprint);
      if (!inc.ticket_id) continue;
      const t = this.db.sqlite.prepare('SELECT status FROM tickets WHERE id = ?').get(inc.ticket_id) as { status: string } | undefined;
      // Other open incidents on the same ticket (a reopened one) keep it open.
      const others = this.db.sqlite.prepare("SELECT count(*) AS n FROM incidents WHERE ticket_id = ? AND status != 'resolved'").get(inc.ticket_id) as {
        n: number;
      };
      if (t && others.n === 0 && t.status !== 'resolved' && t.status !== 'closed') {
        await this.tickets.addEvent(
          inc.ticket_id,
          { type: 'status', status: 'resolved', note: 'Résolu automatiquement : aucun retour du problème pendant la période de calme.' },
          SYSTEM,
          now,
        );
      }
    }
  }
}
