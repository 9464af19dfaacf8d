import { parisDate, VigieError } from '@vigie/shared';
import { appendAudit, refreshAuditHead } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { BillingService } from '../billing/service.js';
import type { Database } from '../store/database.js';
import type { RemotePermissions } from './permissions.js';

export interface RemoteSessionView {
  id: number;
  ticketId: number;
  clientId: number;
  deviceId: number;
  hostname: string;
  userId: number;
  technician: string;
  startedAt: number;
  endedAt: number | null;
  state: 'open' | 'ended' | 'confirmed' | 'discarded';
  minutes: number | null;
  /** The draft intervention's price under the contract's rules (billing quote), or why there is none. */
  quote: Record<string, unknown> | null;
  interventionId: number | null;
}

/**
 * A remote session opened from a ticket (contract 2.6: remote interventions): its start and end
 * become a draft remote intervention on the ticket, priced with the billing service's quote (the
 * contract's rules, not a copy), which the technician confirms — only then is it recorded.
 */
export class RemoteSessions {
  constructor(
    private readonly db: Database,
    private readonly billing: BillingService,
    private readonly permissions: RemotePermissions,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  private row(id: number): RemoteSessionView | undefined {
    const r = this.sql
      .prepare(
        `SELECT s.*, d.hostname, u.name AS technician FROM remote_sessions s JOIN devices d ON d.id = s.device_id JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
      )
      .get(id) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    const ended = r.ended_at as number | null;
    return {
      id: r.id as number,
      ticketId: r.ticket_id as number,
      clientId: r.client_id as number,
      deviceId: r.device_id as number,
      hostname: r.hostname as string,
      userId: r.user_id as number,
      technician: r.technician as string,
      startedAt: r.started_at as number,
      endedAt: ended,
      state: r.state as RemoteSessionView['state'],
      minutes: ended !== null ? minutesBetween(r.started_at as number, ended) : null,
      quote: r.quote ? (JSON.parse(r.quote as string) as Record<string, unknown>) : null,
      interventionId: r.intervention_id as number | null,
    };
  }

  get(id: number): RemoteSessionView | undefined {
    return this.row(id);
  }

  /** A ticket's client and its remote sessions, under the write lock (undefined: no such ticket). */
  ofTicketWithClient(ticketId: number): Promise<{ clientId: number; sessions: RemoteSessionView[] } | undefined> {
    return this.db.writeLock(() => {
      const t = this.sql.prepare('SELECT client_id FROM tickets WHERE id = ?').get(ticketId) as { client_id: number } | undefined;
      return t ? { clientId: t.client_id, sessions: this.ofTicket(ticketId) } : undefined;
    });
  }

  ofTicket(ticketId: number): RemoteSessionView[] {
    return (this.sql.prepare('SELECT id FROM remote_sessions WHERE ticket_id = ? ORDER BY id').raw(true).all(ticketId) as [number][]).map(
      (r) => this.row(r[0])!,
    );
  }

  private timeline(ticketId: number, at: number, user: SessionUser, type: string, body: Record<string, unknown>): void {
    this.sql
      .prepare('INSERT INTO ticket_events (ticket_id, at, author_id, author, type, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ticketId, at, user.id, `user:${user.id}`, type, JSON.stringify(body));
    this.sql.prepare('UPDATE tickets SET updated_at = ? WHERE id = ?').run(at, ticketId);
  }

  async start(user: SessionUser, ticketId: number, deviceId: number, now = Date.now()): Promise<RemoteSessionView> {
    const id = await this.db.writeTransaction(() => {
      const t = this.sql.prepare('SELECT client_id, status FROM tickets WHERE id = ?').get(ticketId) as { client_id: number; status: string } | undefined;
      if (!t) throw new VigieError('NOT_FOUND');
      const d = this.sql.prepare('SELECT client_id, hostname FROM devices WHERE id = ?').get(deviceId) as { client_id: number; hostname: string } | undefined;
      if (!d || d.client_id !== t.client_id) throw new VigieError('VALIDATION', 'Cet équipement n’est pas du client du ticket');
      this.permissions.assertCanAct(user, [t.client_id]);
      if (t.status === 'closed') throw new VigieError('CONFLICT', 'Ticket clos');
      const open = this.sql.prepare("SELECT id FROM remote_sessions WHERE user_id = ? AND device_id = ? AND state = 'open'").get(user.id, deviceId) as
        | { id: number }
        | undefined;
      if (open) return open.id;
      const r = this.sql
        .prepare("INSERT INTO remote_sessions (ticket_id, client_id, device_id, user_id, started_at, state, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?)")
        .run(ticketId, t.client_id, deviceId, user.id, now, now);
      const sid = Number(r.lastInsertRowid);
      this.timeline(ticketId, now, user, 'remote_session', { sessionId: sid, deviceId, hostname: d.hostname, change: 'started' });
      appendAudit(
        this.sql,
        `user:${user.id}`,
        'remote-session.start',
        `remote-session:${sid}`,
        { ticketId },
        { clientId: t.client_id, deviceId, result: 'ok' },
        now,
      );
      return sid;
    });
    refreshAuditHead(this.db);
    return this.row(id)!;
  }

  /** Ends the session and prices the draft: the ticket's kind, remote mode, the observed minutes. */
  async end(user: SessionUser, id: number, now = Date.now()): Promise<RemoteSessionView> {
    const s = this.row(id);
    if (!s) throw new VigieError('NOT_FOUND');
    this.permissions.assertCanAct(user, [s.clientId]);
    if (s.state !== 'open') throw new VigieError('CONFLICT', 'Cette session est déjà terminée');
    const ticket = this.sql.prepare('SELECT kind FROM tickets WHERE id = ?').get(s.ticketId) as { kind: 'urgent' | 'programmed' };
    const minutes = minutesBetween(s.startedAt, now);
    let quote: Record<string, unknown>;
    try {
      const q = await this.billing.quote(s.clientId, ticket.kind, 'remote', minutes, parisDate(s.startedAt));
      quote = { kind: ticket.kind, mode: 'remote', minutes, ...q };
    } catch (err) {
      // No contract or grid for that day: the draft stays, without a price, and says why.
      quote = { kind: ticket.kind, mode: 'remote', minutes, error: (err as Error).message };
    }
    await this.db.writeTransaction(() => {
      const r = this.sql
        .prepare("UPDATE remote_sessions SET ended_at = ?, state = 'ended', quote = ? WHERE id = ? AND state = 'open'")
        .run(now, JSON.stringify(quote), id);
      if (r.changes !== 1) throw new VigieError('CONFLICT', 'Cette session est déjà terminée');
      this.timeline(s.ticketId, now, user, 'remote_session', { sessionId: id, deviceId: s.deviceId, hostname: s.hostname, change: 'ended', minutes, quote });
      appendAudit(
        this.sql,
        `user:${user.id}`,
        'remote-session.end',
        `remote-session:${id}`,
        { ticketId: s.ticketId, minutes },
        { clientId: s.clientId, deviceId: s.deviceId, result: 'ok' },
        now,
      );
    });
    refreshAuditHead(this.db);
    return this.row(id)!;
  }

  /** The technician confirms the draft: it is recorded as an intervention by the billing service. */
  async confirm(user: SessionUser, id: number, notes: string | undefined, now = Date.now()): Promise<RemoteSessionView> {
    const s = this.row(id);
    if (!s) throw new VigieError('NOT_FOUND');
    this.permissions.assertCanAct(user, [s.clientId]);
    if (s.state !== 'ended' || s.endedAt === null) throw new VigieError('CONFLICT', 'Seule une session terminée et non confirmée peut être enregistrée');
    // Claimed first, so two confirmations cannot record two interventions.
    await this.db.writeTransaction(() => {
      const r = this.sql.prepare("UPDATE remote_sessions SET state = 'confirmed' WHERE id = ? AND state = 'ended'").run(id);
      if (r.changes !== 1) throw new VigieError('CONFLICT', 'Session déjà confirmée');
    });
    try {
      const iv = await this.billing.recordIntervention(
        s.ticketId,
        { startedAt: s.startedAt, endedAt: Math.max(s.endedAt, s.startedAt + 60_000), mode: 'remote', notes: notes ?? `Session à distance sur ${s.hostname}` },
        user,
        now,
      );
      await this.db.writeTransaction(() => {
        this.sql.prepare('UPDATE remote_sessions SET intervention_id = ? WHERE id = ?').run(iv.id, id);
        appendAudit(
          this.sql,
          `user:${user.id}`,
          'remote-session.confirm',
          `remote-session:${id}`,
          { ticketId: s.ticketId, interventionId: iv.id, amountCents: iv.amount_cents },
          { clientId: s.clientId, deviceId: s.deviceId, result: 'ok' },
          now,
        );
      });
    } catch (err) {
      await this.db.writeTransaction(() => this.sql.prepare("UPDATE remote_sessions SET state = 'ended' WHERE id = ?").run(id));
      throw err;
    }
    refreshAuditHead(this.db);
    return this.row(id)!;
  }

  async discard(user: SessionUser, id: number, now = Date.now()): Promise<RemoteSessionView> {
    const s = this.row(id);
    if (!s) throw new VigieError('NOT_FOUND');
    this.permissions.assertCanAct(user, [s.clientId]);
    await this.db.writeTransaction(() => {
      const r = this.sql
        .prepare("UPDATE remote_sessions SET state = 'discarded', ended_at = COALESCE(ended_at, ?) WHERE id = ? AND state IN ('open', 'ended')")
        .run(now, id);
      if (r.changes !== 1) throw new VigieError('CONFLICT', 'Session déjà confirmée ou écartée');
      appendAudit(
        this.sql,
        `user:${user.id}`,
        'remote-session.discard',
        `remote-session:${id}`,
        { ticketId: s.ticketId },
        { clientId: s.clientId, deviceId: s.deviceId, result: 'ok' },
        now,
      );
    });
    refreshAuditHead(this.db);
    return this.row(id)!;
  }
}

/** Observed minutes, rounded up, at least one (as the billing service counts start and end). */
function minutesBetween(start: number, end: number): number {
  return Math.max(1, Math.ceil((end - start) / 60_000));
}
