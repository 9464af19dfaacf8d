import { parisDate, VigieError } from '@vigie/shared';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditInTransaction } from '../audit/repository.js';
import type { SessionUser } from '../auth/repository.js';
import type { BillingService } from '../billing/service.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
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

function selectSessions(q: Kysely<DB>) {
  return q
    .selectFrom('remote_sessions as s')
    .innerJoin('devices as d', 'd.id', 's.device_id')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('s')
    .select(['d.hostname', 'u.name as technician']);
}
type SessionRow = Awaited<ReturnType<ReturnType<typeof selectSessions>['executeTakeFirstOrThrow']>>;

/**
 * A remote session opened from a ticket (contract 2.6: remote interventions): its start and end
 * become a draft remote intervention on the ticket, priced with the billing service's quote (the
 * contract's rules, not a copy), which the technician confirms — only then is it recorded. Every
 * change of state is a conditional UPDATE from the state it leaves, so two requests at once (two
 * collectors) change it once; each is audited in its transaction.
 */
export class RemoteSessions {
  constructor(
    private readonly db: RelationalStore,
    private readonly billing: BillingService,
    private readonly permissions: RemotePermissions,
    /** Audit entries were committed (the audit head is refreshed). */
    private readonly audited: () => void,
  ) {}

  private view(r: SessionRow): RemoteSessionView {
    const ended = r.ended_at;
    return {
      id: r.id,
      ticketId: r.ticket_id,
      clientId: r.client_id,
      deviceId: r.device_id,
      hostname: r.hostname,
      userId: r.user_id,
      technician: r.technician,
      startedAt: r.started_at,
      endedAt: ended,
      state: r.state,
      minutes: ended !== null ? minutesBetween(r.started_at, ended) : null,
      quote: r.quote ? (JSON.parse(r.quote) as Record<string, unknown>) : null,
      interventionId: r.intervention_id,
    };
  }

  async get(id: number): Promise<RemoteSessionView | undefined> {
    const r = await selectSessions(this.db.kysely).where('s.id', '=', id).executeTakeFirst();
    return r ? this.view(r) : undefined;
  }

  /** A ticket's client and its remote sessions (undefined: no such ticket). */
  async ofTicketWithClient(ticketId: number): Promise<{ clientId: number; sessions: RemoteSessionView[] } | undefined> {
    const t = await this.db.kysely.selectFrom('tickets').select('client_id').where('id', '=', ticketId).executeTakeFirst();
    return t ? { clientId: t.client_id, sessions: await this.ofTicket(ticketId) } : undefined;
  }

  async ofTicket(ticketId: number): Promise<RemoteSessionView[]> {
    const rows = await selectSessions(this.db.kysely).where('s.ticket_id', '=', ticketId).orderBy('s.id').execute();
    return rows.map((r) => this.view(r));
  }

  private async timeline(tx: Transaction<DB>, ticketId: number, at: number, user: SessionUser, type: string, body: Record<string, unknown>): Promise<void> {
    await tx
      .insertInto('ticket_events')
      .values({ ticket_id: ticketId, at, author_id: user.id, author: `user:${user.id}`, type, body: JSON.stringify(body) })
      .execute();
    await tx.updateTable('tickets').set({ updated_at: at }).where('id', '=', ticketId).execute();
  }

  /**
   * Opens a session (or returns the user's open one on that device). On PostgreSQL the device's row
   * is locked first, so two starts at once open one session.
   */
  async start(user: SessionUser, ticketId: number, deviceId: number, now = Date.now()): Promise<RemoteSessionView> {
    const id = await this.db.kysely.transaction().execute(async (tx) => {
      const t = await tx.selectFrom('tickets').select(['client_id', 'status']).where('id', '=', ticketId).executeTakeFirst();
      if (!t) throw new VigieError('NOT_FOUND');
      const d = await tx
        .selectFrom('devices')
        .select(['client_id', 'hostname'])
        .where('id', '=', deviceId)
        .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!d || d.client_id !== t.client_id) throw new VigieError('VALIDATION', 'Cet équipement n’est pas du client du ticket');
      await this.permissions.assertCanAct(user, [t.client_id], tx);
      if (t.status === 'closed') throw new VigieError('CONFLICT', 'Ticket clos');
      const open = await tx
        .selectFrom('remote_sessions')
        .select('id')
        .where('user_id', '=', user.id)
        .where('device_id', '=', deviceId)
        .where('state', '=', 'open')
        .orderBy('id')
        .executeTakeFirst();
      if (open) return open.id;
      const { id: sid } = await tx
        .insertInto('remote_sessions')
        .values({ ticket_id: ticketId, client_id: t.client_id, device_id: deviceId, user_id: user.id, started_at: now, state: 'open', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.timeline(tx, ticketId, now, user, 'remote_session', { sessionId: sid, deviceId, hostname: d.hostname, change: 'started' });
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'remote-session.start',
        `remote-session:${sid}`,
        { ticketId },
        { clientId: t.client_id, deviceId, result: 'ok' },
        now,
      );
      return sid;
    });
    this.audited();
    return (await this.get(id))!;
  }

  /** Ends the session and prices the draft: the ticket's kind, remote mode, the observed minutes. */
  async end(user: SessionUser, id: number, now = Date.now()): Promise<RemoteSessionView> {
    const s = await this.get(id);
    if (!s) throw new VigieError('NOT_FOUND');
    await this.permissions.assertCanAct(user, [s.clientId]);
    if (s.state !== 'open') throw new VigieError('CONFLICT', 'Cette session est déjà terminée');
    const ticket = await this.db.kysely.selectFrom('tickets').select('kind').where('id', '=', s.ticketId).executeTakeFirstOrThrow();
    const minutes = minutesBetween(s.startedAt, now);
    let quote: Record<string, unknown>;
    try {
      const q = await this.billing.quote(s.clientId, ticket.kind, 'remote', minutes, parisDate(s.startedAt));
      quote = { kind: ticket.kind, mode: 'remote', minutes, ...q };
    } catch (err) {
      // No contract or grid for that day: the draft stays, without a price, and says why.
      quote = { kind: ticket.kind, mode: 'remote', minutes, error: (err as Error).message };
    }
    await this.db.kysely.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('remote_sessions')
        .set({ ended_at: now, state: 'ended', quote: JSON.stringify(quote) })
        .where('id', '=', id)
        .where('state', '=', 'open')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new VigieError('CONFLICT', 'Cette session est déjà terminée');
      await this.timeline(tx, s.ticketId, now, user, 'remote_session', {
        sessionId: id,
        deviceId: s.deviceId,
        hostname: s.hostname,
        change: 'ended',
        minutes,
        quote,
      });
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'remote-session.end',
        `remote-session:${id}`,
        { ticketId: s.ticketId, minutes },
        { clientId: s.clientId, deviceId: s.deviceId, result: 'ok' },
        now,
      );
    });
    this.audited();
    return (await this.get(id))!;
  }

  /** The technician confirms the draft: it is recorded as an intervention by the billing service. */
  async confirm(user: SessionUser, id: number, notes: string | undefined, now = Date.now()): Promise<RemoteSessionView> {
    const s = await this.get(id);
    if (!s) throw new VigieError('NOT_FOUND');
    await this.permissions.assertCanAct(user, [s.clientId]);
    if (s.state !== 'ended' || s.endedAt === null) throw new VigieError('CONFLICT', 'Seule une session terminée et non confirmée peut être enregistrée');
    // Claimed first (a conditional UPDATE: one winner), so two confirmations cannot record two
    // interventions; the billing service records it in its own transaction, and the claim is undone
    // if that fails. The session's intervention and its audit entry are written once it exists.
    const claimed = await this.db.kysely
      .updateTable('remote_sessions')
      .set({ state: 'confirmed' })
      .where('id', '=', id)
      .where('state', '=', 'ended')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new VigieError('CONFLICT', 'Session déjà confirmée');
    try {
      const iv = await this.billing.recordIntervention(
        s.ticketId,
        { startedAt: s.startedAt, endedAt: Math.max(s.endedAt, s.startedAt + 60_000), mode: 'remote', notes: notes ?? `Session à distance sur ${s.hostname}` },
        user,
        now,
      );
      await this.db.kysely.transaction().execute(async (tx) => {
        await tx.updateTable('remote_sessions').set({ intervention_id: iv.id }).where('id', '=', id).execute();
        await appendAuditInTransaction(
          tx,
          this.db.dialect,
          `user:${user.id}`,
          'remote-session.confirm',
          `remote-session:${id}`,
          { ticketId: s.ticketId, interventionId: iv.id, amountCents: iv.amount_cents },
          { clientId: s.clientId, deviceId: s.deviceId, result: 'ok' },
          now,
        );
      });
    } catch (err) {
      await this.db.kysely
        .updateTable('remote_sessions')
        .set({ state: 'ended' })
        .where('id', '=', id)
        .where('state', '=', 'confirmed')
        .where('intervention_id', 'is', null)
        .execute();
      throw err;
    }
    this.audited();
    return (await this.get(id))!;
  }

  async discard(user: SessionUser, id: number, now = Date.now()): Promise<RemoteSessionView> {
    const s = await this.get(id);
    if (!s) throw new VigieError('NOT_FOUND');
    await this.permissions.assertCanAct(user, [s.clientId]);
    await this.db.kysely.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('remote_sessions')
        .set((eb) => ({ state: 'discarded', ended_at: eb.fn.coalesce('ended_at', eb.val(now)) }))
        .where('id', '=', id)
        .where('state', 'in', ['open', 'ended'])
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new VigieError('CONFLICT', 'Session déjà confirmée ou écartée');
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'remote-session.discard',
        `remote-session:${id}`,
        { ticketId: s.ticketId },
        { clientId: s.clientId, deviceId: s.deviceId, result: 'ok' },
        now,
      );
    });
    this.audited();
    return (await this.get(id))!;
  }
}

/** Observed minutes, rounded up, at least one (as the billing service counts start and end). */
function minutesBetween(start: number, end: number): number {
  return Math.max(1, Math.ceil((end - start) / 60_000));
}
