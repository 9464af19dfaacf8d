import type { DeviceCompliance } from '@vigie/shared';
import { type Kysely, sql } from 'kysely';
import type { RelationalStore } from '../store/relational-store.js';
import type { DB } from '../store/schema.js';
import { commentQuery, type StoredComment } from './comments.js';
import type { CheckRow, TicketEvent } from './figures.js';

export interface ReportDeviceRow {
  id: number;
  hostname: string;
  site_id: number;
  platform: string | null;
  /** 'agent', or 'agentless' for a device its site's agent polls (no antivirus nor security check of its own). */
  kind: string;
  created_at: number;
}

export interface ReportTicketRow {
  id: number;
  title: string;
  channel: string;
  priority: string;
  status: string;
  received_at: number;
  sla_deadline_at: number | null;
  intervention_started_at: number | null;
}

export interface ReportIncidentRow {
  id: number;
  severity: string;
  suppressed: string | null;
  opened_at: number;
  resolved_at: number | null;
  ticket_id: number | null;
}

export interface ReportInterventionRow {
  id: number;
  date: string;
  ticket_id: number;
  title: string;
  kind: 'programmed' | 'urgent';
  mode: 'on_site' | 'remote';
  minutes: number;
  unit: string;
  unit_count: number;
  amount_cents: number;
  expenses_cents: number;
}

export interface ReportInventoryRow {
  changed_at: number;
  hostname: string;
  section: string;
  change: 'added' | 'removed' | 'changed';
  item_key: string;
  before: string | null;
  after: string | null;
}

export interface ReportWarrantyRow {
  description: string;
  serial: string | null;
  delivered_on: string;
  warranty_end: string;
}

interface EventRow {
  ticket_id: number;
  at: number;
  type: string;
  author: string;
  body: string;
}

/** A status move's body is `{"from": …, "to": …}` (JSON, read here rather than with an engine's JSON functions). */
function statusMove(body: string | null): { to?: string; from?: string } {
  if (body === null) return {};
  const m = JSON.parse(body) as { to?: unknown; from?: unknown };
  return { ...(typeof m.to === 'string' ? { to: m.to } : {}), ...(typeof m.from === 'string' ? { from: m.from } : {}) };
}

const toEvent = (r: EventRow): TicketEvent => {
  const move = r.type === 'status' ? statusMove(r.body) : {};
  return { ticketId: r.ticket_id, at: r.at, type: r.type, author: r.author, to: move.to, from: move.from };
};

/** What a report reads of patches/ (PatchRepository). */
export interface ReportPatchReads {
  complianceAt(at: number, days: number, filter: { clientId?: number }): Promise<DeviceCompliance[]>;
  resolvedBetween(clientId: number, from: number, to: number): Promise<ResolvedPatches[]>;
}
/**
 * Makes the patch reads over a given store: the report's snapshot hands it its own transaction, so
 * the patch figures come from the same state as the rest (and, on SQLite, a read through the
 * store's single connection does not wait for the transaction that holds it).
 */
export type ReportPatchReadsOn = (store: RelationalStore) => ReportPatchReads;
export interface ResolvedPatches {
  deviceId: number;
  count: number;
  security: number;
}

/**
 * The remote-action tables a report reads (migration 010). Declared here only for this one query:
 * commands/ declares them for the schema when it moves onto Kysely.
 */
type RemoteActionTables = {
  commands: {
    id: string;
    client_id: number;
    device_id: number;
    action: string;
    script_version_id: number | null;
    state: string;
    created_at: number;
    exit_code: number | null;
    error_code: string | null;
    issued_by: number | null;
  };
  script_versions: { id: number; script_id: number; version: number };
  scripts: { id: number; name: string };
};

/** The SQL behind one client's monthly report; every read of a report runs in one snapshot. */
export class ReportRepository {
  constructor(
    private readonly db: RelationalStore,
    private readonly patchReadsOn: ReportPatchReadsOn,
  ) {}

  /**
   * `fn` in one read transaction: every figure of a report comes from the same state of the data.
   * PostgreSQL's default (read committed) gives each statement its own snapshot: repeatable read
   * gives the whole transaction one. SQLite's transaction is one snapshot already.
   */
  async snapshot<T>(fn: (q: ReportQueries) => Promise<T>): Promise<T> {
    const tx = this.db.kysely.transaction();
    return await (this.db.dialect === 'postgres' ? tx.setIsolationLevel('repeatable read') : tx).execute((t) =>
      fn(new ReportQueries(t, this.patchReadsOn({ kysely: t, dialect: this.db.dialect }))),
    );
  }

  clientIds(): Promise<{ id: number; name: string }[]> {
    return this.db.kysely.selectFrom('clients').select(['id', 'name']).orderBy('id').execute();
  }
}

export class ReportQueries {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly patches: ReportPatchReads,
  ) {}

  /** Each device's patch state at `at` (the compliance view's own query). */
  async patchCompliance(clientId: number, at: number, days: number): Promise<DeviceCompliance[]> {
    return await this.patches.complianceAt(at, days, { clientId });
  }

  async patchesResolved(clientId: number, from: number, to: number): Promise<ResolvedPatches[]> {
    return await this.patches.resolvedBetween(clientId, from, to);
  }

  client(id: number): Promise<{ id: number; name: string } | undefined> {
    return this.db.selectFrom('clients').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  }

  async providerName(): Promise<string | null> {
    const r = await this.db.selectFrom('billing_settings').select('seller').where('id', '=', 1).executeTakeFirst();
    if (!r) return null;
    const name = (JSON.parse(r.seller) as { name?: unknown }).name;
    return typeof name === 'string' ? name : null;
  }

  /** The provider's identity for the report's header (billing settings), and whether a logo is set. */
  async providerIdentity(): Promise<{ name: string; address: string[]; siren?: string; email?: string; phone?: string; hasLogo: boolean } | null> {
    const r = await this.db
      .selectFrom('billing_settings')
      .select((eb) => ['seller', eb.case().when('logo', 'is not', null).then(1).else(0).end().as('has_logo')])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (!r) return null;
    const s = JSON.parse(r.seller) as { name?: string; address?: string[]; siren?: string; email?: string; phone?: string };
    if (typeof s.name !== 'string') return null;
    return {
      name: s.name,
      address: Array.isArray(s.address) ? s.address : [],
      ...(s.siren ? { siren: s.siren } : {}),
      ...(s.email ? { email: s.email } : {}),
      ...(s.phone ? { phone: s.phone } : {}),
      hasLogo: Number(r.has_logo) === 1,
    };
  }

  /** The technician's comment on the client's month, if one was written. */
  async comment(clientId: number, month: string): Promise<StoredComment | null> {
    return (await commentQuery(this.db, clientId, month).executeTakeFirst()) ?? null;
  }

  /** Hardware the provider delivered in the period (contract 2.4), with the device its serial matches. */
  delivered(
    clientId: number,
    fromDay: string,
    toDay: string,
  ): Promise<{ description: string; serial: string | null; delivered_on: string; hostname: string | null }[]> {
    return this.db
      .selectFrom('supplied_items as s')
      .select((eb) => [
        's.description',
        's.serial',
        's.delivered_on',
        eb
          .selectFrom('devices as d')
          .select('d.hostname')
          .whereRef('d.client_id', '=', 's.client_id')
          .where('s.serial_key', 'is not', null)
          .where(sql<string>`upper(trim(d.serial))`, '=', eb.ref('s.serial_key'))
          .orderBy('d.id')
          .limit(1)
          .as('hostname'),
      ])
      .where('s.client_id', '=', clientId)
      .where('s.delivered_on', '>=', fromDay)
      .where('s.delivered_on', '<=', toDay)
      .orderBy('s.delivered_on')
      .orderBy('s.id')
      .execute();
  }

  sites(clientId: number): Promise<{ id: number; name: string }[]> {
    return this.db.selectFrom('sites').select(['id', 'name']).where('client_id', '=', clientId).orderBy('name').orderBy('id').execute();
  }

  devices(clientId: number, before: number): Promise<ReportDeviceRow[]> {
    return this.db
      .selectFrom('devices')
      .select(['id', 'hostname', 'site_id', 'platform', 'kind', 'created_at'])
      .where('client_id', '=', clientId)
      .where('created_at', '<', before)
      .orderBy('hostname')
      .orderBy('id')
      .execute();
  }

  incidents(clientId: number, from: number, to: number): Promise<ReportIncidentRow[]> {
    return this.db
      .selectFrom('incidents')
      .select(['id', 'severity', 'suppressed', 'opened_at', 'resolved_at', 'ticket_id'])
      .where('client_id', '=', clientId)
      .where('opened_at', '>=', from)
      .where('opened_at', '<', to)
      .orderBy('opened_at')
      .orderBy('id')
      .execute();
  }

  async incidentsOpenAt(clientId: number, at: number): Promise<number> {
    const r = await this.db
      .selectFrom('incidents')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('client_id', '=', clientId)
      .where('opened_at', '<', at)
      .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', at)]))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private tickets() {
    return this.db
      .selectFrom('tickets as t')
      .select(['t.id', 't.title', 't.channel', 't.priority', 't.status', 't.received_at', 't.sla_deadline_at', 't.intervention_started_at']);
  }

  ticketsReceivedBetween(clientId: number, from: number, to: number): Promise<ReportTicketRow[]> {
    return this.tickets()
      .where('t.client_id', '=', clientId)
      .where('t.received_at', '>=', from)
      .where('t.received_at', '<', to)
      .orderBy('t.received_at')
      .orderBy('t.id')
      .execute();
  }

  /** Tickets received before `to` that had an event in [from, to). */
  ticketsActiveBetween(clientId: number, from: number, to: number): Promise<ReportTicketRow[]> {
    return this.tickets()
      .where('t.client_id', '=', clientId)
      .where('t.received_at', '<', to)
      .where((eb) =>
        eb.exists(eb.selectFrom('ticket_events as e').select('e.id').whereRef('e.ticket_id', '=', 't.id').where('e.at', '>=', from).where('e.at', '<', to)),
      )
      .orderBy('t.id')
      .execute();
  }

  ticketsDueBetween(clientId: number, from: number, to: number): Promise<{ deadline: number; startedAt: number | null }[]> {
    return this.db
      .selectFrom('tickets')
      .select(['sla_deadline_at as deadline', 'intervention_started_at as startedAt'])
      .where('client_id', '=', clientId)
      .where('sla_deadline_at', '>=', from)
      .where('sla_deadline_at', '<', to)
      .$narrowType<{ deadline: number }>()
      .orderBy('sla_deadline_at')
      .orderBy('id')
      .execute();
  }

  /** Every timeline event before `to` of the given tickets, with the statuses of status moves. */
  async events(ticketIds: readonly number[], to: number): Promise<TicketEvent[]> {
    if (ticketIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('ticket_events')
      .select(['ticket_id', 'at', 'type', 'author', 'body'])
      .where('ticket_id', 'in', ticketIds)
      .where('at', '<', to)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map(toEvent);
  }

  /** Tickets received before `at` whose last status move before it left them open. */
  async ticketsOpenAt(clientId: number, at: number): Promise<number> {
    const rows = await this.db
      .selectFrom('tickets as t')
      .select((eb) =>
        eb
          .selectFrom('ticket_events as e')
          .select('e.body')
          .whereRef('e.ticket_id', '=', 't.id')
          .where('e.type', '=', 'status')
          .where('e.at', '<', at)
          .orderBy('e.at', 'desc')
          .orderBy('e.id', 'desc')
          .limit(1)
          .as('last_move'),
      )
      .where('t.client_id', '=', clientId)
      .where('t.received_at', '<', at)
      .execute();
    return rows.filter((r) => !['resolved', 'closed'].includes(statusMove(r.last_move).to ?? 'new')).length;
  }

  interventions(clientId: number, firstDay: string, lastDay: string): Promise<ReportInterventionRow[]> {
    return this.db
      .selectFrom('interventions as i')
      .innerJoin('tickets as t', 't.id', 'i.ticket_id')
      .select((eb) => [
        'i.id',
        'i.date',
        'i.ticket_id',
        't.title',
        'i.kind',
        'i.mode',
        'i.minutes',
        'i.unit',
        'i.unit_count',
        'i.amount_cents',
        eb(eb('i.travel_cents', '+', eb.ref('i.meal_cents')), '+', eb.ref('i.lodging_cents')).as('expenses_cents'),
      ])
      .where('i.client_id', '=', clientId)
      .where('i.date', '>=', firstDay)
      .where('i.date', '<=', lastDay)
      .orderBy('i.date')
      .orderBy('i.id')
      .execute();
  }

  /**
   * Remote actions on the client's machines created in the period (key rotations left out: they run nothing).
   * Commands created in the same millisecond follow their id (SQLite's rowid, insertion order, is no column on PostgreSQL).
   */
  remoteActions(clientId: number, from: number, to: number): Promise<RemoteActionRow[]> {
    return this.db
      .withTables<RemoteActionTables>()
      .selectFrom('commands as c')
      .innerJoin('devices as d', 'd.id', 'c.device_id')
      .leftJoin('users as u', 'u.id', 'c.issued_by')
      .leftJoin('script_versions as v', 'v.id', 'c.script_version_id')
      .leftJoin('scripts as s', 's.id', 'v.script_id')
      .select((eb) => [
        'c.created_at',
        'd.hostname',
        'c.action',
        eb.case().when('s.name', 'is', null).then(sql<null>`NULL`).else(sql<string>`s.name || ' v' || v.version`).end().as('script'),
        'u.name as by',
        'c.state',
        'c.exit_code',
        'c.error_code',
      ])
      .where('c.client_id', '=', clientId)
      .where('c.created_at', '>=', from)
      .where('c.created_at', '<', to)
      .where('c.action', '!=', 'key-rotate')
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute();
  }

  async checkResults(clientId: number, check: string, from: number, to: number): Promise<CheckRow[]> {
    const rows = await this.db
      .selectFrom('check_results as r')
      .innerJoin('devices as d', 'd.id', 'r.device_id')
      .select(['r.device_id', 'r.target', 'r.status', 'r.code', 'r.message', 'r.values', 'r.observed_at'])
      .where('d.client_id', '=', clientId)
      .where('r.check', '=', check)
      .where('r.observed_at', '>=', from)
      .where('r.observed_at', '<', to)
      .orderBy('r.observed_at')
      .orderBy('r.id')
      .execute();
    return rows.map((r) => ({
      deviceId: r.device_id,
      target: r.target,
      status: r.status,
      code: r.code,
      message: r.message,
      values: r.values ? (JSON.parse(r.values) as Record<string, unknown>) : null,
      observedAt: r.observed_at,
    }));
  }

  inventoryChanges(clientId: number, from: number, to: number): Promise<ReportInventoryRow[]> {
    return this.db
      .selectFrom('inventory_changes as c')
      .innerJoin('devices as d', 'd.id', 'c.device_id')
      .select(['c.changed_at', 'd.hostname', 'c.section', 'c.change', 'c.item_key', 'c.before', 'c.after'])
      .where('d.client_id', '=', clientId)
      .where('c.changed_at', '>=', from)
      .where('c.changed_at', '<', to)
      .orderBy('c.changed_at')
      .orderBy('c.id')
      .execute();
  }

  /** Supplied items in service whose warranty ends between the two dates (inclusive). */
  warranties(clientId: number, fromDay: string, toDay: string): Promise<ReportWarrantyRow[]> {
    return this.db
      .selectFrom('supplied_items')
      .select(['description', 'serial', 'delivered_on', 'warranty_end'])
      .where('client_id', '=', clientId)
      .where('warranty_end', '>=', fromDay)
      .where('warranty_end', '<=', toDay)
      .where((eb) => eb.or([eb('retired_on', 'is', null), eb('retired_on', '>', fromDay)]))
      .orderBy('warranty_end')
      .orderBy('id')
      .execute();
  }
}

export interface RemoteActionRow {
  created_at: number;
  hostname: string;
  action: string;
  script: string | null;
  by: string | null;
  state: string;
  exit_code: number | null;
  error_code: string | null;
}
