import { PatchRepository } from '../patches/repository.js';
import type { Database } from '../store/database.js';
import { COMMENT_SQL } from './comments.js';
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
  to_status: string | null;
  from_status: string | null;
}

const toEvent = (r: EventRow): TicketEvent => ({
  ticketId: r.ticket_id,
  at: r.at,
  type: r.type,
  author: r.author,
  to: r.to_status ?? undefined,
  from: r.from_status ?? undefined,
});

/** The SQL behind one client's monthly report; every read of a report runs in one snapshot. */
export class ReportRepository {
  /** The patches section's figures: engine-neutral Kysely, read outside the snapshot (its history is dated, so the figures at the period's end do not move). */
  readonly patches: PatchRepository;

  constructor(private readonly db: Database) {
    this.patches = new PatchRepository(db);
  }

  /** `fn` in one read transaction: every figure of a report comes from the same state of the file. */
  snapshot<T>(fn: (q: ReportQueries) => T): Promise<T> {
    return this.db.writeLock(() => this.db.sqlite.transaction(() => fn(new ReportQueries(this.db)))());
  }

  clientIds(): Promise<{ id: number; name: string }[]> {
    return this.db.writeLock(() => this.db.sqlite.prepare('SELECT id, name FROM clients ORDER BY id').all() as { id: number; name: string }[]);
  }
}

export class ReportQueries {
  constructor(private readonly db: Database) {}

  private all<T>(sql: string, ...args: unknown[]): T[] {
    return this.db.sqlite.prepare(sql).all(...args) as T[];
  }

  client(id: number): { id: number; name: string } | undefined {
    return this.db.sqlite.prepare('SELECT id, name FROM clients WHERE id = ?').get(id) as { id: number; name: string } | undefined;
  }

  providerName(): string | null {
    const r = this.db.sqlite.prepare('SELECT seller FROM billing_settings WHERE id = 1').get() as { seller: string } | undefined;
    if (!r) return null;
    const name = (JSON.parse(r.seller) as { name?: unknown }).name;
    return typeof name === 'string' ? name : null;
  }

  /** The provider's identity for the report's header (billing settings), and whether a logo is set. */
  providerIdentity(): { name: string; address: string[]; siren?: string; email?: string; phone?: string; hasLogo: boolean } | null {
    const r = this.db.sqlite.prepare('SELECT seller, logo IS NOT NULL AS has_logo FROM billing_settings WHERE id = 1').get() as
      | { seller: string; has_logo: number }
      | undefined;
    if (!r) return null;
    const s = JSON.parse(r.seller) as { name?: string; address?: string[]; siren?: string; email?: string; phone?: string };
    if (typeof s.name !== 'string') return null;
    return {
      name: s.name,
      address: Array.isArray(s.address) ? s.address : [],
      ...(s.siren ? { siren: s.siren } : {}),
      ...(s.email ? { email: s.email } : {}),
      ...(s.phone ? { phone: s.phone } : {}),
      hasLogo: r.has_logo === 1,
    };
  }

  /** The technician's comment on the client's month, if one was written. */
  comment(clientId: number, month: string): { text: string; authorName: string | null; updatedAt: number } | null {
    return (this.db.sqlite.prepare(COMMENT_SQL).get(clientId, month) as { text: string; authorName: string | null; updatedAt: number } | undefined) ?? null;
  }

  /** Hardware the provider delivered in the period (contract 2.4), with the device its serial matches. */
  delivered(clientId: number, fromDay: string, toDay: string): { description: string; serial: string | null; delivered_on: string; hostname: string | null }[] {
    return this.all(
      `SELECT s.description, s.serial, s.delivered_on,
         (SELECT d.hostname FROM devices d WHERE d.client_id = s.client_id AND s.serial_key IS NOT NULL AND upper(trim(d.serial)) = s.serial_key ORDER BY d.id LIMIT 1) AS hostname
       FROM supplied_items s WHERE s.client_id = ? AND s.delivered_on >= ? AND s.delivered_on <= ? ORDER BY s.delivered_on, s.id`,
      clientId,
      fromDay,
      toDay,
    );
  }

  sites(clientId: number): { id: number; name: string }[] {
    return this.all('SELECT id, name FROM sites WHERE client_id = ? ORDER BY name, id', clientId);
  }

  devices(clientId: number, before: number): ReportDeviceRow[] {
    return this.all(
      'SELECT id, hostname, site_id, platform, kind, created_at FROM devices WHERE client_id = ? AND created_at < ? ORDER BY hostname, id',
      clientId,
      before,
    );
  }

  incidents(clientId: number, from: number, to: number): ReportIncidentRow[] {
    return this.all(
      'SELECT id, severity, suppressed, opened_at, resolved_at, ticket_id FROM incidents WHERE client_id = ? AND opened_at >= ? AND opened_at < ? ORDER BY opened_at, id',
      clientId,
      from,
      to,
    );
  }

  incidentsOpenAt(clientId: number, at: number): number {
    return (
      this.db.sqlite
        .prepare('SELECT count(*) AS n FROM incidents WHERE client_id = ? AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)')
        .get(clientId, at, at) as { n: number }
    ).n;
  }

  ticketsReceivedBetween(clientId: number, from: number, to: number): ReportTicketRow[] {
    return this.all(
      `SELECT id, title, channel, priority, status, received_at, sla_deadline_at, intervention_started_at FROM tickets
       WHERE client_id = ? AND received_at >= ? AND received_at < ? ORDER BY received_at, id`,
      clientId,
      from,
      to,
    );
  }

  /** Tickets received before `to` that had an event in [from, to). */
  ticketsActiveBetween(clientId: number, from: number, to: number): ReportTicketRow[] {
    return this.all(
      `SELECT id, title, channel, priority, status, received_at, sla_deadline_at, intervention_started_at FROM tickets t
       WHERE client_id = ? AND received_at < ? AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.at >= ? AND e.at < ?)`,
      clientId,
      to,
      from,
      to,
    );
  }

  ticketsDueBetween(clientId: number, from: number, to: number): { deadline: number; startedAt: number | null }[] {
    return this.all(
      'SELECT sla_deadline_at AS deadline, intervention_started_at AS startedAt FROM tickets WHERE client_id = ? AND sla_deadline_at >= ? AND sla_deadline_at < ?',
      clientId,
      from,
      to,
    );
  }

  /** Every timeline event before `to` of the given tickets, with the statuses of status moves. */
  events(ticketIds: readonly number[], to: number): TicketEvent[] {
    if (ticketIds.length === 0) return [];
    return this.all<EventRow>(
      `SELECT ticket_id, at, type, author,
         CASE WHEN type = 'status' THEN json_extract(body, '$.to') END AS to_status,
         CASE WHEN type = 'status' THEN json_extract(body, '$.from') END AS from_status
       FROM ticket_events WHERE ticket_id IN (SELECT value FROM json_each(?)) AND at < ? ORDER BY at, id`,
      JSON.stringify(ticketIds),
      to,
    ).map(toEvent);
  }

  /** Tickets received before `at` whose last status move before it left them open. */
  ticketsOpenAt(clientId: number, at: number): number {
    return (
      this.db.sqlite
        .prepare(
          `SELECT count(*) AS n FROM tickets t WHERE client_id = ? AND received_at < ? AND coalesce(
             (SELECT json_extract(body, '$.to') FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'status' AND e.at < ? ORDER BY e.at DESC, e.id DESC LIMIT 1),
             'new') NOT IN ('resolved', 'closed')`,
        )
        .get(clientId, at, at) as { n: number }
    ).n;
  }

  interventions(clientId: number, firstDay: string, lastDay: string): ReportInterventionRow[] {
    return this.all(
      `SELECT i.id, i.date, i.ticket_id, t.title, i.kind, i.mode, i.minutes, i.unit, i.unit_count, i.amount_cents,
         i.travel_cents + i.meal_cents + i.lodging_cents AS expenses_cents
       FROM interventions i JOIN tickets t ON t.id = i.ticket_id WHERE i.client_id = ? AND i.date >= ? AND i.date <= ? ORDER BY i.date, i.id`,
      clientId,
      firstDay,
      lastDay,
    );
  }

  /** Remote actions on the client's machines created in the period (key rotations left out: they run nothing). */
  remoteActions(clientId: number, from: number, to: number) {
    return this.all<{
      created_at: number;
      hostname: string;
      action: string;
      script: string | null;
      by: string | null;
      state: string;
      exit_code: number | null;
      error_code: string | null;
    }>(
      `SELECT c.created_at, d.hostname, c.action, CASE WHEN s.name IS NULL THEN NULL ELSE s.name || ' v' || v.version END AS script, u.name AS by,
         c.state, c.exit_code, c.error_code
       FROM commands c JOIN devices d ON d.id = c.device_id LEFT JOIN users u ON u.id = c.issued_by
       LEFT JOIN script_versions v ON v.id = c.script_version_id LEFT JOIN scripts s ON s.id = v.script_id
       WHERE c.client_id = ? AND c.created_at >= ? AND c.created_at < ? AND c.action != 'key-rotate' ORDER BY c.created_at, c.rowid`,
      clientId,
      from,
      to,
    );
  }

  checkResults(clientId: number, check: string, from: number, to: number): CheckRow[] {
    return this.all<{ device_id: number; target: string; status: string; code: string; message: string; values: string | null; observed_at: number }>(
      `SELECT r.device_id, r.target, r.status, r.code, r.message, r."values", r.observed_at FROM check_results r JOIN devices d ON d.id = r.device_id
       WHERE d.client_id = ? AND r."check" = ? AND r.observed_at >= ? AND r.observed_at < ? ORDER BY r.observed_at, r.id`,
      clientId,
      check,
      from,
      to,
    ).map((r) => ({
      deviceId: r.device_id,
      target: r.target,
      status: r.status,
      code: r.code,
      message: r.message,
      values: r.values ? (JSON.parse(r.values) as Record<string, unknown>) : null,
      observedAt: r.observed_at,
    }));
  }

  inventoryChanges(clientId: number, from: number, to: number): ReportInventoryRow[] {
    return this.all(
      `SELECT c.changed_at, d.hostname, c.section, c.change, c.item_key, c.before, c.after FROM inventory_changes c JOIN devices d ON d.id = c.device_id
       WHERE d.client_id = ? AND c.changed_at >= ? AND c.changed_at < ? ORDER BY c.changed_at, c.id`,
      clientId,
      from,
      to,
    );
  }

  /** Supplied items in service whose warranty ends between the two dates (inclusive). */
  warranties(clientId: number, fromDay: string, toDay: string): ReportWarrantyRow[] {
    return this.all(
      `SELECT description, serial, delivered_on, warranty_end FROM supplied_items
       WHERE client_id = ? AND warranty_end >= ? AND warranty_end <= ? AND (retired_on IS NULL OR retired_on > ?) ORDER BY warranty_end, id`,
      clientId,
      fromDay,
      toDay,
      fromDay,
    );
  }
}
