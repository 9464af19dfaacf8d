import type { LocalDate } from '@vigie/shared';
import type { SuppliedItem } from '@vigie/shared/api';
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { SuppliedItemsTable, SupplyOrderLinesTable, SupplyOrdersTable } from '../../store/schema-billing.js';

export type OrderRow = Selectable<SupplyOrdersTable>;
export type OrderLineRow = Selectable<SupplyOrderLinesTable>;
type NewOrder = Omit<Insertable<SupplyOrdersTable>, 'id' | 'status' | 'delivered_on' | 'fee_invoice_id' | 'goods_invoice_id'>;
type NewItem = Omit<Insertable<SuppliedItemsTable>, 'id' | 'retired_on'>;

/** A supplied item as listed: with its order's supplier and the client's device that carries its serial (the API's shape). */
export type SuppliedItemView = SuppliedItem;

/** Supply orders (2.4), their lines and the items delivered (3). Writes are synchronous: inside the callers' transactions. */
export class SupplyRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  order(orderId: number): OrderRow | undefined {
    return this.sql.prepare('SELECT * FROM supply_orders WHERE id = ?').get(orderId) as OrderRow | undefined;
  }

  orders(clientId: number | undefined): OrderRow[] {
    return (
      clientId === undefined
        ? this.sql.prepare('SELECT * FROM supply_orders ORDER BY id').all()
        : this.sql.prepare('SELECT * FROM supply_orders WHERE client_id = ? ORDER BY id').all(clientId)
    ) as OrderRow[];
  }

  async orderClient(orderId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('supply_orders').select('client_id').where('id', '=', orderId).executeTakeFirst())?.client_id;
  }

  lines(orderId: number): OrderLineRow[] {
    return this.sql.prepare('SELECT * FROM supply_order_lines WHERE order_id = ? ORDER BY id').all(orderId) as OrderLineRow[];
  }

  siteOfClient(siteId: number, clientId: number): boolean {
    return this.sql.prepare('SELECT 1 FROM sites WHERE id = ? AND client_id = ?').get(siteId, clientId) !== undefined;
  }

  insertOrder(o: NewOrder, lines: Omit<Insertable<SupplyOrderLinesTable>, 'id' | 'order_id'>[]): number {
    const r = this.sql
      .prepare(
        `INSERT INTO supply_orders (client_id, ticket_id, supplier, reference, ordered_on, status, grid_id, fee_unit, fee_count, fee_unit_price_cents, fee_amount_cents, fee_rule, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, 'ordered', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        o.client_id,
        o.ticket_id ?? null,
        o.supplier,
        o.reference,
        o.ordered_on,
        o.grid_id,
        o.fee_unit,
        o.fee_count,
        o.fee_unit_price_cents,
        o.fee_amount_cents,
        o.fee_rule,
        o.created_by ?? null,
        o.created_at,
      );
    const id = Number(r.lastInsertRowid);
    const line = this.sql.prepare('INSERT INTO supply_order_lines (order_id, description, unit_price_cents, quantity, warranty_months) VALUES (?, ?, ?, ?, ?)');
    for (const l of lines) line.run(id, l.description, l.unit_price_cents, l.quantity, l.warranty_months);
    return id;
  }

  insertItems(items: NewItem[]): void {
    const ins = this.sql.prepare(
      `INSERT INTO supplied_items (client_id, site_id, order_id, line_id, description, serial, serial_key, delivered_on, warranty_months, warranty_end, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const i of items)
      ins.run(
        i.client_id,
        i.site_id ?? null,
        i.order_id ?? null,
        i.line_id ?? null,
        i.description,
        i.serial ?? null,
        i.serial_key ?? null,
        i.delivered_on,
        i.warranty_months,
        i.warranty_end,
        i.created_at,
      );
  }

  markDelivered(orderId: number, deliveredOn: LocalDate): void {
    this.sql.prepare("UPDATE supply_orders SET status = 'delivered', delivered_on = ? WHERE id = ?").run(deliveredOn, orderId);
  }

  markCancelled(orderId: number): void {
    this.sql.prepare("UPDATE supply_orders SET status = 'cancelled' WHERE id = ?").run(orderId);
  }

  suppliedItems(clientId: number | undefined): SuppliedItemView[] {
    return this.sql
      .prepare(
        `SELECT s.id, s.client_id, s.site_id, s.order_id, s.description, s.serial, s.delivered_on, s.warranty_months, s.warranty_end, s.retired_on,
           o.supplier, o.reference AS order_reference,
           (SELECT d.id FROM devices d WHERE d.client_id = s.client_id AND s.serial_key IS NOT NULL AND upper(trim(d.serial)) = s.serial_key ORDER BY d.id LIMIT 1) AS device_id
         FROM supplied_items s LEFT JOIN supply_orders o ON o.id = s.order_id
         ${clientId === undefined ? '' : 'WHERE s.client_id = ?'} ORDER BY s.delivered_on, s.id`,
      )
      .all(...(clientId === undefined ? [] : [clientId])) as SuppliedItemView[];
  }
}
