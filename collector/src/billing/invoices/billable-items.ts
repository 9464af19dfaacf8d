import type { LocalDate } from '@vigie/shared';
import type { Database } from '../../store/database.js';
import type { InterventionRow } from '../interventions/repository.js';
import type { PickupRow } from '../recycling/repository.js';
import type { OrderLineRow, OrderRow } from '../supplies/repository.js';

/** An intervention as its invoice line says it: with its ticket's title and its technician's name. */
export type BillableIntervention = InterventionRow & { ticket_title: string; technician: string | null };

/** What a client's month has to bill, not invoiced yet, dated up to the month's end. */
export interface BillableItems {
  interventions: BillableIntervention[];
  /** Orders whose handling fee (2.4) is due. */
  feeOrders: OrderRow[];
  /** Delivered orders whose goods are due, with their lines and the serials delivered per line. */
  goodsOrders: (OrderRow & { lines: (OrderLineRow & { serials: string[] })[] })[];
  pickups: PickupRow[];
}

/**
 * The items an invoice bills, read and then marked with the invoice's id in the same transaction
 * (an item is billed once), and released again when a credit note cancels that invoice.
 */
export class BillableItemRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  uninvoiced(clientId: number, end: LocalDate): BillableItems {
    const interventions = this.sql
      .prepare(
        `SELECT i.*, t.title AS ticket_title, u.name AS technician FROM interventions i JOIN tickets t ON t.id = i.ticket_id LEFT JOIN users u ON u.id = i.technician_id
         WHERE i.client_id = ? AND i.date <= ? AND i.invoice_id IS NULL ORDER BY i.date, i.id`,
      )
      .all(clientId, end) as BillableIntervention[];
    const feeOrders = this.sql
      .prepare('SELECT * FROM supply_orders WHERE client_id = ? AND ordered_on <= ? AND fee_invoice_id IS NULL ORDER BY ordered_on, id')
      .all(clientId, end) as OrderRow[];
    const delivered = this.sql
      .prepare(
        "SELECT * FROM supply_orders WHERE client_id = ? AND status = 'delivered' AND delivered_on <= ? AND goods_invoice_id IS NULL ORDER BY delivered_on, id",
      )
      .all(clientId, end) as OrderRow[];
    const orderLines = this.sql.prepare('SELECT * FROM supply_order_lines WHERE order_id = ? ORDER BY id');
    const serialsOf = this.sql.prepare('SELECT serial FROM supplied_items WHERE line_id = ? AND serial IS NOT NULL ORDER BY id');
    const goodsOrders = delivered.map((o) => ({
      ...o,
      lines: (orderLines.all(o.id) as OrderLineRow[]).map((l) => ({ ...l, serials: (serialsOf.all(l.id) as { serial: string }[]).map((s) => s.serial) })),
    }));
    const pickups = this.sql
      .prepare('SELECT * FROM recycling_pickups WHERE client_id = ? AND picked_up_on <= ? AND invoice_id IS NULL ORDER BY picked_up_on, id')
      .all(clientId, end) as PickupRow[];
    return { interventions, feeOrders, goodsOrders, pickups };
  }

  /** Marks the items as billed by `invoiceId`. */
  markInvoiced(invoiceId: number, items: BillableItems): void {
    const mark = (table: string, column: string, ids: number[]) => {
      const st = this.sql.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`);
      for (const x of ids) st.run(invoiceId, x);
    };
    mark(
      'interventions',
      'invoice_id',
      items.interventions.map((i) => i.id),
    );
    mark(
      'supply_orders',
      'fee_invoice_id',
      items.feeOrders.map((o) => o.id),
    );
    mark(
      'supply_orders',
      'goods_invoice_id',
      items.goodsOrders.map((o) => o.id),
    );
    mark(
      'recycling_pickups',
      'invoice_id',
      items.pickups.map((p) => p.id),
    );
  }

  /** The items of a cancelled invoice become billable again (to be re-invoiced, corrected). */
  release(invoiceId: number): void {
    this.sql.prepare('UPDATE interventions SET invoice_id = NULL WHERE invoice_id = ?').run(invoiceId);
    this.sql.prepare('UPDATE recycling_pickups SET invoice_id = NULL WHERE invoice_id = ?').run(invoiceId);
    this.sql.prepare('UPDATE supply_orders SET fee_invoice_id = NULL WHERE fee_invoice_id = ?').run(invoiceId);
    this.sql.prepare('UPDATE supply_orders SET goods_invoice_id = NULL WHERE goods_invoice_id = ?').run(invoiceId);
  }
}
