import type { LocalDate } from '@vigie/shared';
import type { SuppliedItem } from '@vigie/shared/api';
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { SuppliedItemsTable, SupplyOrderLinesTable, SupplyOrdersTable } from '../../store/schema-billing.js';

export type OrderRow = Selectable<SupplyOrdersTable>;
export type OrderLineRow = Selectable<SupplyOrderLinesTable>;
type NewOrder = Omit<Insertable<SupplyOrdersTable>, 'id' | 'status' | 'delivered_on' | 'fee_invoice_id' | 'goods_invoice_id'>;
type NewItem = Omit<Insertable<SuppliedItemsTable>, 'id' | 'retired_on'>;

/** A supplied item as listed: with its order's supplier and the client's device that carries its serial (the API's shape). */
export type SuppliedItemView = SuppliedItem;

/** Supply orders (2.4), their lines and the items delivered (3). Writes take the caller's transaction. */
export class SupplyRepository {
  constructor(private readonly db: RelationalStore) {}

  /** The order, locked until `tx` ends on PostgreSQL (SQLite's write transactions take turns already): delivered or cancelled once. */
  async lockOrder(tx: Kysely<DB>, orderId: number): Promise<OrderRow | undefined> {
    return tx
      .selectFrom('supply_orders')
      .selectAll()
      .where('id', '=', orderId)
      .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }

  async orders(clientId: number | undefined, ex: Kysely<DB> = this.db.kysely): Promise<OrderRow[]> {
    return ex
      .selectFrom('supply_orders')
      .selectAll()
      .$if(clientId !== undefined, (q) => q.where('client_id', '=', clientId!))
      .orderBy('id')
      .execute();
  }

  async orderClient(orderId: number): Promise<number | undefined> {
    return (await this.db.kysely.selectFrom('supply_orders').select('client_id').where('id', '=', orderId).executeTakeFirst())?.client_id;
  }

  async lines(orderId: number, ex: Kysely<DB> = this.db.kysely): Promise<OrderLineRow[]> {
    return ex.selectFrom('supply_order_lines').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
  }

  /** The lines of these orders, in order of id. */
  async linesOf(orderIds: number[], ex: Kysely<DB> = this.db.kysely): Promise<OrderLineRow[]> {
    if (orderIds.length === 0) return [];
    return ex.selectFrom('supply_order_lines').selectAll().where('order_id', 'in', orderIds).orderBy('id').execute();
  }

  async siteOfClient(siteId: number, clientId: number, ex: Kysely<DB> = this.db.kysely): Promise<boolean> {
    return (await ex.selectFrom('sites').select('id').where('id', '=', siteId).where('client_id', '=', clientId).executeTakeFirst()) !== undefined;
  }

  async insertOrder(o: NewOrder, lines: Omit<Insertable<SupplyOrderLinesTable>, 'id' | 'order_id'>[], tx: Kysely<DB>): Promise<number> {
    const { id } = await tx
      .insertInto('supply_orders')
      .values({ ...o, status: 'ordered', ticket_id: o.ticket_id ?? null, created_by: o.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (lines.length > 0)
      await tx
        .insertInto('supply_order_lines')
        .values(lines.map((l) => ({ ...l, order_id: id })))
        .execute();
    return id;
  }

  async insertItems(items: NewItem[], tx: Kysely<DB>): Promise<void> {
    if (items.length === 0) return;
    await tx
      .insertInto('supplied_items')
      .values(
        items.map((i) => ({
          ...i,
          site_id: i.site_id ?? null,
          order_id: i.order_id ?? null,
          line_id: i.line_id ?? null,
          serial: i.serial ?? null,
          serial_key: i.serial_key ?? null,
        })),
      )
      .execute();
  }

  /** Marks an order still `ordered` delivered; whether this call did. */
  async markDelivered(orderId: number, deliveredOn: LocalDate, tx: Kysely<DB>): Promise<boolean> {
    const r = await tx
      .updateTable('supply_orders')
      .set({ status: 'delivered', delivered_on: deliveredOn })
      .where('id', '=', orderId)
      .where('status', '=', 'ordered')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Cancels an order still `ordered`; whether this call did. */
  async markCancelled(orderId: number, tx: Kysely<DB>): Promise<boolean> {
    const r = await tx.updateTable('supply_orders').set({ status: 'cancelled' }).where('id', '=', orderId).where('status', '=', 'ordered').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async suppliedItems(clientId: number | undefined, ex: Kysely<DB> = this.db.kysely): Promise<SuppliedItemView[]> {
    return ex
      .selectFrom('supplied_items as s')
      .leftJoin('supply_orders as o', 'o.id', 's.order_id')
      .select([
        's.id',
        's.client_id',
        's.site_id',
        's.order_id',
        's.description',
        's.serial',
        's.delivered_on',
        's.warranty_months',
        's.warranty_end',
        's.retired_on',
        'o.supplier',
        'o.reference as order_reference',
      ])
      .select((eb) =>
        eb
          .selectFrom('devices as d')
          .select('d.id')
          .whereRef('d.client_id', '=', 's.client_id')
          .where('s.serial_key', 'is not', null)
          .where(sql<string>`upper(trim(d.serial))`, '=', eb.ref('s.serial_key'))
          .orderBy('d.id')
          .limit(1)
          .as('device_id'),
      )
      .$if(clientId !== undefined, (q) => q.where('s.client_id', '=', clientId!))
      .orderBy('s.delivered_on')
      .orderBy('s.id')
      .execute() as Promise<SuppliedItemView[]>;
  }
}
