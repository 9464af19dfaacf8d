import type { LocalDate } from '@vigie/shared';
import { VigieError } from '@vigie/shared';
import type { RelationalStore } from '../../store/relational-store.js';
import type { InterventionRow } from '../interventions/repository.js';
import type { PickupRow } from '../recycling/repository.js';
import type { OrderLineRow, OrderRow } from '../supplies/repository.js';
import type { BillingExecutor } from './repository.js';

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
  constructor(private readonly db: RelationalStore) {}

  async uninvoiced(clientId: number, end: LocalDate, ex: BillingExecutor = this.db.kysely): Promise<BillableItems> {
    const interventions = await ex
      .selectFrom('interventions as i')
      .innerJoin('tickets as t', 't.id', 'i.ticket_id')
      .leftJoin('users as u', 'u.id', 'i.technician_id')
      .selectAll('i')
      .select(['t.title as ticket_title', 'u.name as technician'])
      .where('i.client_id', '=', clientId)
      .where('i.date', '<=', end)
      .where('i.invoice_id', 'is', null)
      .orderBy('i.date')
      .orderBy('i.id')
      .execute();
    const feeOrders = await ex
      .selectFrom('supply_orders')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('ordered_on', '<=', end)
      .where('fee_invoice_id', 'is', null)
      .orderBy('ordered_on')
      .orderBy('id')
      .execute();
    const delivered = await ex
      .selectFrom('supply_orders')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('status', '=', 'delivered')
      .where('delivered_on', '<=', end)
      .where('goods_invoice_id', 'is', null)
      .orderBy('delivered_on')
      .orderBy('id')
      .execute();
    const goodsOrders: BillableItems['goodsOrders'] = [];
    for (const o of delivered) {
      const lines = await ex.selectFrom('supply_order_lines').selectAll().where('order_id', '=', o.id).orderBy('id').execute();
      const withSerials: (OrderLineRow & { serials: string[] })[] = [];
      for (const l of lines) {
        const serials = await ex
          .selectFrom('supplied_items')
          .select('serial')
          .where('line_id', '=', l.id)
          .where('serial', 'is not', null)
          .orderBy('id')
          .execute();
        withSerials.push({ ...l, serials: serials.map((s) => s.serial as string) });
      }
      goodsOrders.push({ ...o, lines: withSerials });
    }
    const pickups = await ex
      .selectFrom('recycling_pickups')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('picked_up_on', '<=', end)
      .where('invoice_id', 'is', null)
      .orderBy('picked_up_on')
      .orderBy('id')
      .execute();
    return { interventions, feeOrders, goodsOrders, pickups };
  }

  /**
   * Marks the items as billed by `invoiceId`, in the issuing transaction. Each mark only takes an
   * item still unbilled: should another issue have billed one meanwhile (two month-end runs, two
   * collectors), this one is refused and its transaction, number included, rolls back — an item is
   * never on two invoices.
   */
  async markInvoiced(invoiceId: number, items: BillableItems, tx: BillingExecutor): Promise<void> {
    const taken = async (what: string, ids: number[], run: (ids: number[]) => Promise<{ numUpdatedRows: bigint }[]>) => {
      if (ids.length === 0) return;
      const updated = (await run(ids)).reduce((s, r) => s + Number(r.numUpdatedRows), 0);
      if (updated !== ids.length)
        throw new VigieError('CONFLICT', `Facturation concurrente : ${ids.length - updated} ${what} déjà facturé(s) par une autre émission, facture non émise`);
    };
    await taken(
      'intervention(s)',
      items.interventions.map((i) => i.id),
      (ids) => tx.updateTable('interventions').set({ invoice_id: invoiceId }).where('id', 'in', ids).where('invoice_id', 'is', null).execute(),
    );
    await taken(
      'frais de commande',
      items.feeOrders.map((o) => o.id),
      (ids) => tx.updateTable('supply_orders').set({ fee_invoice_id: invoiceId }).where('id', 'in', ids).where('fee_invoice_id', 'is', null).execute(),
    );
    await taken(
      'commande(s) livrée(s)',
      items.goodsOrders.map((o) => o.id),
      (ids) => tx.updateTable('supply_orders').set({ goods_invoice_id: invoiceId }).where('id', 'in', ids).where('goods_invoice_id', 'is', null).execute(),
    );
    await taken(
      'enlèvement(s) DEEE',
      items.pickups.map((p) => p.id),
      (ids) => tx.updateTable('recycling_pickups').set({ invoice_id: invoiceId }).where('id', 'in', ids).where('invoice_id', 'is', null).execute(),
    );
  }

  /** The items of a cancelled invoice become billable again (to be re-invoiced, corrected). In the credit note's transaction. */
  async release(invoiceId: number, tx: BillingExecutor): Promise<void> {
    await tx.updateTable('interventions').set({ invoice_id: null }).where('invoice_id', '=', invoiceId).execute();
    await tx.updateTable('recycling_pickups').set({ invoice_id: null }).where('invoice_id', '=', invoiceId).execute();
    await tx.updateTable('supply_orders').set({ fee_invoice_id: null }).where('fee_invoice_id', '=', invoiceId).execute();
    await tx.updateTable('supply_orders').set({ goods_invoice_id: null }).where('goods_invoice_id', '=', invoiceId).execute();
  }
}
