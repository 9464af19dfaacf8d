import {
  acceptsRequest,
  addBusinessDays,
  isProgrammed,
  PROGRAMMED_MIN_BUSINESS_DAYS,
  parisDate,
  refusal,
  slaClockStart,
  slaDeadline,
  VigieError,
} from '@vigie/shared';
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { SessionUser } from '../auth/repository.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB, TicketStatus, TicketsTable } from '../store/schema.js';
import { canMove, isReopening, slaState, startsIntervention } from './lifecycle.js';
import { linkedTickets, linkTickets, openMonitoringTickets } from './links.js';

export interface NewTicket {
  clientId?: number;
  title: string;
  description: string;
  channel?: TicketsTable['channel'];
  kind?: TicketsTable['kind'];
  mode?: TicketsTable['mode'];
  priority?: TicketsTable['priority'];
  deviceIds?: number[];
  /** When the request reached the provider (a phone call or a forwarded mail); default now. */
  receivedAt?: number;
  /** Local date 'YYYY-MM-DD' of a programmed intervention. */
  plannedDate?: string;
}

export type TicketEventInput =
  | { type: 'comment'; text: string }
  | { type: 'status'; status: TicketStatus; note?: string }
  | { type: 'assign'; assigneeId: number | null }
  | { type: 'time'; minutes: number; note?: string };

/** Who acts: a user (through the API, or by mail to the support address), or the system. */
type Actor = { user: SessionUser; via?: 'email' } | { system: string };

const authorOf = (a: Actor) => ('user' in a ? { author_id: a.user.id, author: `user:${a.user.id}` } : { author_id: null, author: `system:${a.system}` });

/**
 * Tickets: requests from the portal, e-mail and phone (contract 2.6), and incidents from monitoring.
 * Every change is a timeline event with its author and time; the SLA deadline follows the French
 * business-day rules.
 */
export type TicketChange = { ticketId: number; clientId: number; type: 'created' | TicketEventInput['type']; actor: string };

/** What /metrics shows of ticket changes. */
export interface TicketStats {
  /** Changes a listener (live view, notifications) failed to handle: the change itself stays committed. */
  listenerFailures: number;
}

/** Where a listener's failure is written (the collector's logger). */
export interface TicketLog {
  error(obj: Record<string, unknown>, msg: string): void;
}

type Listener = { name: string; fn: (c: TicketChange) => unknown };

export class TicketService {
  private readonly listeners: Listener[] = [];
  readonly stats: TicketStats = { listenerFailures: 0 };

  constructor(
    private readonly db: RelationalStore,
    private readonly log?: TicketLog,
  ) {}

  /**
   * Called after every committed change (live view, notifications). A listener that throws or whose
   * promise rejects is logged under its name and counted; it never undoes the change.
   */
  onChange(name: string, listener: (c: TicketChange) => unknown): void {
    this.listeners.push({ name, fn: listener });
  }

  /** For other domains that write a ticket's timeline in their own transaction (billing). */
  announce(c: TicketChange): void {
    this.changed(c);
  }

  private changed(c: TicketChange): void {
    for (const l of this.listeners) {
      try {
        const r = l.fn(c);
        if (r instanceof Promise) r.catch((err) => this.listenerFailed(l.name, c, err));
      } catch (err) {
        this.listenerFailed(l.name, c, err);
      }
    }
  }

  private listenerFailed(listener: string, c: TicketChange, err: unknown): void {
    this.stats.listenerFailures++;
    this.log?.error({ err, listener, ticketId: c.ticketId, change: c.type }, 'a ticket change was committed but one of its listeners failed');
  }

  async create(input: NewTicket, actor: Actor, now = Date.now()): Promise<number> {
    const { ticketId, change } = await this.db.kysely.transaction().execute((trx) => this.createIn(trx, input, actor, now));
    this.changed(change);
    return ticketId;
  }

  /**
   * `create` inside the caller's transaction (an incident and its ticket are written together); the
   * caller announces the change once its transaction committed.
   */
  async createIn(trx: Kysely<DB>, input: NewTicket, actor: Actor, now: number): Promise<{ ticketId: number; change: TicketChange }> {
    const user = 'user' in actor ? actor.user : undefined;
    const clientId = user && user.role === 'client' ? user.clientId! : input.clientId;
    if (!clientId) throw refusal('VALIDATION', 'client_required', 'clientId is required', {}, '/clientId');
    const client = await trx.selectFrom('clients').select(['id', 'publish_monitoring_tickets']).where('id', '=', clientId).executeTakeFirst();
    if (!client) throw refusal('NOT_FOUND', 'client_not_found', 'No such client', {}, '/clientId');
    // A client files from its portal; staff record phone calls and forwarded mails with their reception time.
    const via = 'user' in actor ? actor.via : undefined;
    const channel = user?.role === 'client' ? (via ?? 'portal') : (input.channel ?? (user ? 'phone' : 'monitoring'));
    const receivedAt = user?.role === 'client' ? now : (input.receivedAt ?? now);
    if (receivedAt > now + 60_000) throw refusal('VALIDATION', 'received_in_future', 'receivedAt is in the future', {}, '/receivedAt');
    if (channel !== 'monitoring' && !acceptsRequest(channel, receivedAt)) {
      throw refusal(
        'VALIDATION',
        'hotline_closed',
        'The hotline takes requests on business days, 09:00–13:00 and 14:00–18:00 (Paris time): use the portal or e-mail',
        {},
        '/channel',
      );
    }
    const kind = input.kind ?? (input.plannedDate ? 'programmed' : 'urgent');
    const mode = input.mode ?? 'remote';
    const earliest = addBusinessDays(parisDate(receivedAt), PROGRAMMED_MIN_BUSINESS_DAYS);
    if (kind === 'programmed' && !input.plannedDate)
      throw refusal('VALIDATION', 'programmed_needs_date', 'A programmed request needs a plannedDate', { earliest }, '/plannedDate');
    // Contract 2.6: programmed means 5 business days or more after the request.
    if (kind === 'programmed' && input.plannedDate && !isProgrammed(receivedAt, input.plannedDate))
      throw refusal(
        'VALIDATION',
        'programmed_too_soon',
        `A programmed intervention is 5 business days or more after the request (${earliest} at the earliest); sooner is an urgent one`,
        { earliest },
        '/plannedDate',
      );
    const deviceIds = [...new Set(input.deviceIds ?? [])];
    if (deviceIds.length > 0) {
      const found = await trx.selectFrom('devices').select('id').where('id', 'in', deviceIds).where('client_id', '=', clientId).execute();
      if (found.length !== deviceIds.length) throw refusal('NOT_FOUND', 'device_not_of_client', 'A device is not one of this client\u2019s', {}, '/deviceIds');
    }
    // Monitoring tickets are the provider's until published, unless the client asked to see them all.
    const clientVisible = channel !== 'monitoring' || client.publish_monitoring_tickets === 1 ? 1 : 0;
    const slaStart = slaClockStart(receivedAt);
    const deadline = slaDeadline(receivedAt, kind, mode);
    const row = await trx
      .insertInto('tickets')
      .values({
        client_id: clientId,
        title: input.title,
        description: input.description,
        channel,
        kind,
        mode,
        priority: input.priority ?? (kind === 'urgent' ? 'high' : 'normal'),
        status: 'new',
        assignee_id: null,
        received_at: receivedAt,
        sla_start_at: slaStart,
        sla_deadline_at: deadline,
        planned_date: input.plannedDate ?? null,
        intervention_started_at: null,
        resolved_at: null,
        closed_at: null,
        fingerprint: null,
        client_visible: clientVisible,
        created_by: user?.id ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (deviceIds.length > 0)
      await trx
        .insertInto('ticket_devices')
        .values(deviceIds.map((d) => ({ ticket_id: row.id, device_id: d })))
        .execute();
    await trx
      .insertInto('ticket_events')
      .values({
        ticket_id: row.id,
        at: now,
        ...authorOf(actor),
        type: 'created',
        body: JSON.stringify({ channel, kind, mode, receivedAt, slaStartAt: slaStart, slaDeadlineAt: deadline, receivedOn: parisDate(receivedAt) }),
      })
      .execute();
    // A person's request about a device whose problem monitoring already caught: the two tickets are linked.
    if (channel !== 'monitoring')
      for (const other of await openMonitoringTickets(trx, clientId, deviceIds))
        if (await linkTickets(trx, row.id, other, user?.id ?? null, now))
          await trx
            .insertInto('ticket_events')
            .values({ ticket_id: other, at: now, ...authorOf(actor), type: 'linked', body: JSON.stringify({ ticketId: row.id }) })
            .execute();
    return { ticketId: row.id, change: { ticketId: row.id, clientId, type: 'created', actor: authorOf(actor).author } };
  }

  async addEvent(ticketId: number, ev: TicketEventInput, actor: Actor, now = Date.now()): Promise<void> {
    const change = await this.db.kysely.transaction().execute((trx) => this.addEventIn(trx, ticketId, ev, actor, now));
    this.changed(change);
  }

  /** `addEvent` inside the caller's transaction; the caller announces the change once committed. */
  async addEventIn(trx: Kysely<DB>, ticketId: number, ev: TicketEventInput, actor: Actor, now: number): Promise<TicketChange> {
    const user = 'user' in actor ? actor.user : undefined;
    if (user?.role === 'client' && ev.type !== 'comment') throw refusal('FORBIDDEN', 'client_only_comments', 'A client may only comment');
    const t = await trx.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
    if (!t) throw new VigieError('NOT_FOUND');
    const update: Updateable<TicketsTable> = { updated_at: now };
    let body: Record<string, unknown>;
    switch (ev.type) {
      case 'comment':
        body = { text: ev.text };
        break;
      case 'status': {
        if (!canMove(t.status, ev.status))
          throw refusal('CONFLICT', 'status_move', `A ticket cannot go from ${t.status} to ${ev.status}`, { from: t.status, to: ev.status }, '/status');
        update.status = ev.status;
        if (startsIntervention(ev.status) && t.intervention_started_at === null) update.intervention_started_at = now;
        if (ev.status === 'resolved') update.resolved_at = now;
        if (ev.status === 'closed') update.closed_at = now;
        if (isReopening(t.status, ev.status)) {
          update.resolved_at = null;
          update.closed_at = null;
        }
        body = { from: t.status, to: ev.status, reopened: isReopening(t.status, ev.status), ...(ev.note ? { note: ev.note } : {}) };
        break;
      }
      case 'assign': {
        if (ev.assigneeId !== null) {
          const a = await trx.selectFrom('users').select(['id', 'role']).where('id', '=', ev.assigneeId).executeTakeFirst();
          if (!a || a.role === 'client') throw refusal('VALIDATION', 'assignee_not_staff', 'The assignee must be a technician or an admin', {}, '/assigneeId');
        }
        update.assignee_id = ev.assigneeId;
        body = { from: t.assignee_id, to: ev.assigneeId };
        break;
      }
      case 'time':
        body = { minutes: ev.minutes, ...(ev.note ? { note: ev.note } : {}) };
        break;
    }
    // A status move is conditional on the status read: of two moves at once (two collectors, two
    // technicians), the second finds the ticket moved and is refused instead of writing over it.
    const moved = await trx
      .updateTable('tickets')
      .set(update)
      .where('id', '=', ticketId)
      .$if(ev.type === 'status', (q) => q.where('status', '=', t.status))
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) {
      const cur = await trx.selectFrom('tickets').select('status').where('id', '=', ticketId).executeTakeFirst();
      throw refusal(
        'CONFLICT',
        'status_move',
        `The ticket moved meanwhile (now ${cur?.status ?? 'deleted'})`,
        { from: cur?.status ?? t.status, to: update.status ?? t.status },
        '/status',
      );
    }
    await trx
      .insertInto('ticket_events')
      .values({ ticket_id: ticketId, at: now, ...authorOf(actor), type: ev.type, body: JSON.stringify(body) })
      .execute();
    return { ticketId, clientId: t.client_id, type: ev.type, actor: authorOf(actor).author };
  }

  async get(ticketId: number, now = Date.now()) {
    const t = await this.db.kysely.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
    if (!t) return undefined;
    const devices = await this.db.kysely.selectFrom('ticket_devices').select('device_id').where('ticket_id', '=', ticketId).execute();
    const events = await this.db.kysely
      .selectFrom('ticket_events as e')
      .leftJoin('users as u', 'u.id', 'e.author_id')
      .select(['e.id', 'e.at', 'e.author', 'e.type', 'e.body', 'u.name as author_name'])
      .where('e.ticket_id', '=', ticketId)
      .orderBy('e.id')
      .execute();
    return {
      ...view(t, now),
      deviceIds: devices.map((d) => d.device_id),
      timeline: events.map((e) => ({ id: e.id, at: e.at, author: e.author, authorName: e.author_name, type: e.type, ...JSON.parse(e.body) })),
    };
  }

  async list(
    f: {
      clientId?: number | undefined;
      status?: TicketStatus | undefined;
      deviceId?: number | undefined;
      /** A client user's list: the tickets shared with it only. */
      clientVisibleOnly?: boolean | undefined;
      limit: number;
      offset: number;
    },
    now = Date.now(),
  ) {
    let q = this.db.kysely.selectFrom('tickets').selectAll();
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    if (f.clientVisibleOnly) q = q.where('client_visible', '=', 1);
    if (f.status) q = q.where('status', '=', f.status);
    const deviceId = f.deviceId;
    if (deviceId !== undefined)
      q = q.where((eb) =>
        eb.or([
          eb('id', 'in', eb.selectFrom('ticket_devices').select('ticket_id').where('device_id', '=', deviceId)),
          sql<boolean>`id IN (SELECT ticket_id FROM incidents WHERE device_id = ${deviceId} AND ticket_id IS NOT NULL)`,
        ]),
      );
    const rows = await q.orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
    return rows.map((t) => view(t, now));
  }

  async clientOf(ticketId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('tickets').select('client_id').where('id', '=', ticketId).executeTakeFirst())?.client_id;
  }

  /** Who may see a ticket: its client, and whether it is shared with that client's users. */
  async visibility(ticketId: number): Promise<{ clientId: number; clientVisible: boolean } | undefined> {
    const r = await this.db.kysely.selectFrom('tickets').select(['client_id', 'client_visible']).where('id', '=', ticketId).executeTakeFirst();
    return r ? { clientId: r.client_id, clientVisible: r.client_visible === 1 } : undefined;
  }

  /** The tickets linked to this one (a client user: only those shared with it). */
  links(ticketId: number, clientVisibleOnly: boolean) {
    return linkedTickets(this.db.kysely, ticketId, clientVisibleOnly);
  }

  /** A technician shares an internal monitoring ticket with the client (its timeline says so). */
  async publish(ticketId: number, actor: Actor, now = Date.now()): Promise<boolean> {
    const clientId = await this.db.kysely.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('tickets').select(['client_id', 'client_visible']).where('id', '=', ticketId).executeTakeFirst();
      if (!t) throw new VigieError('NOT_FOUND');
      if (t.client_visible === 1) return undefined;
      await trx.updateTable('tickets').set({ client_visible: 1, updated_at: now }).where('id', '=', ticketId).execute();
      await trx
        .insertInto('ticket_events')
        .values({ ticket_id: ticketId, at: now, ...authorOf(actor), type: 'published', body: '{}' })
        .execute();
      return t.client_id;
    });
    if (clientId === undefined) return false;
    this.changed({ ticketId, clientId, type: 'status', actor: authorOf(actor).author });
    return true;
  }

  /** Links two tickets of the same client (a technician who found they are the same problem). */
  async link(ticketId: number, otherId: number, actor: Actor, now = Date.now()): Promise<void> {
    if (ticketId === otherId) throw refusal('VALIDATION', 'link_self', 'A ticket is not linked to itself', {}, '/ticketId');
    const clientId = await this.db.kysely.transaction().execute(async (trx) => {
      const both = await trx.selectFrom('tickets').select(['id', 'client_id']).where('id', 'in', [ticketId, otherId]).execute();
      const a = both.find((t) => t.id === ticketId);
      const b = both.find((t) => t.id === otherId);
      if (!a) throw new VigieError('NOT_FOUND');
      if (!b || b.client_id !== a.client_id) throw refusal('NOT_FOUND', 'link_other_client', 'No such ticket for this client', {}, '/ticketId');
      if (await linkTickets(trx, ticketId, otherId, 'user' in actor ? actor.user.id : null, now))
        for (const [on, other] of [
          [ticketId, otherId],
          [otherId, ticketId],
        ] as const)
          await trx
            .insertInto('ticket_events')
            .values({ ticket_id: on, at: now, ...authorOf(actor), type: 'linked', body: JSON.stringify({ ticketId: other }) })
            .execute();
      return a.client_id;
    });
    this.changed({ ticketId, clientId, type: 'comment', actor: authorOf(actor).author });
  }
}

function view(t: Selectable<TicketsTable>, now: number) {
  return {
    id: t.id,
    clientId: t.client_id,
    title: t.title,
    description: t.description,
    channel: t.channel,
    kind: t.kind,
    mode: t.mode,
    priority: t.priority,
    status: t.status,
    assigneeId: t.assignee_id,
    receivedAt: t.received_at,
    slaStartAt: t.sla_start_at,
    slaDeadlineAt: t.sla_deadline_at,
    sla: slaState(t.sla_deadline_at, t.intervention_started_at, now),
    plannedDate: t.planned_date,
    interventionStartedAt: t.intervention_started_at,
    clientVisible: t.client_visible === 1,
    resolvedAt: t.resolved_at,
    closedAt: t.closed_at,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}
