import { addDays, addMonths, assertLocalDate, type LocalDate, VigieError } from '@vigie/shared';
import type { Order } from '@vigie/shared/api';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import { supplyOrderSurcharge } from '../billing-units.js';
import { fail } from '../contract-refusal.js';
import { gridOf } from '../contracts/price-grid.js';
import type { ContractService } from '../contracts/service.js';
import { quoteBody } from '../interventions/service.js';
import { TicketTimeline } from '../ticket-timeline.js';
import { type SuppliedItemView, SupplyRepository } from './repository.js';

export type { SuppliedItemView } from './repository.js';

export interface OrderInput {
  supplier: string;
  reference?: string;
  orderedOn: LocalDate;
  ticketId?: number;
  lines: { description: string; unitPriceCents: number; quantity: number; warrantyMonths?: number }[];
}

export interface DeliveryInput {
  deliveredOn: LocalDate;
  siteId?: number;
  items: { lineId: number; serial?: string; warrantyMonths?: number }[];
}

export const serialKey = (serial: string) => serial.trim().toUpperCase();

/** Last day under warranty: delivered 2026-03-15 with 12 months → 2027-03-14. */
export function warrantyEnd(deliveredOn: LocalDate, months: number): LocalDate {
  return months === 0 ? deliveredOn : addDays(addMonths(deliveredOn, months), -1);
}

const warrantyInvalid = (months: number | undefined) => months !== undefined && (!Number.isSafeInteger(months) || months < 0 || months > 120);

/** Supply orders (contract 2.4) with their handling fee, and the supplied items they deliver (contract 3). */
export class SupplyService {
  readonly repo: SupplyRepository;
  private readonly timeline: TicketTimeline;

  constructor(
    private readonly db: RelationalStore,
    private readonly contracts: ContractService,
  ) {
    this.repo = new SupplyRepository(db);
    this.timeline = new TicketTimeline(db);
  }

  async createOrder(clientId: number, input: OrderInput, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(input.orderedOn);
    if (!input.supplier.trim()) fail('Fournisseur requis');
    if (input.lines.length === 0) fail('Une commande a au moins une ligne');
    for (const l of input.lines) {
      if (!l.description.trim()) fail('Chaque ligne a une désignation');
      if (!Number.isSafeInteger(l.unitPriceCents) || l.unitPriceCents < 0) fail(`Prix invalide (centimes ≥ 0) : ${l.unitPriceCents}`);
      if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0 || l.quantity > 1000) fail(`Quantité invalide : ${l.quantity}`);
      if (warrantyInvalid(l.warrantyMonths)) fail(`Garantie invalide (0 à 120 mois) : ${l.warrantyMonths}`);
    }
    return this.db.kysely.transaction().execute(async (tx) => {
      await this.contracts.assertClientIn(clientId, tx);
      if (input.ticketId !== undefined) await this.timeline.ticketOf(input.ticketId, clientId, tx);
      const g = await this.contracts.gridRowIn(clientId, input.orderedOn, tx);
      const fee = supplyOrderSurcharge(gridOf(g));
      const id = await this.repo.insertOrder(
        {
          client_id: clientId,
          ticket_id: input.ticketId ?? null,
          supplier: input.supplier,
          reference: input.reference ?? '',
          ordered_on: input.orderedOn,
          grid_id: g.id,
          fee_unit: fee.unit,
          fee_count: fee.count,
          fee_unit_price_cents: fee.unitPriceCents,
          fee_amount_cents: fee.amountCents,
          fee_rule: fee.rule,
          created_by: user.id,
          created_at: now,
        },
        input.lines.map((l) => ({
          description: l.description,
          unit_price_cents: l.unitPriceCents,
          quantity: l.quantity,
          warranty_months: l.warrantyMonths ?? 12,
        })),
        tx,
      );
      const body = { orderId: id, supplier: input.supplier, fee: quoteBody(fee) };
      if (input.ticketId !== undefined) await this.timeline.record(tx, input.ticketId, now, `user:${user.id}`, user.id, 'supply_order', body);
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'supply.order',
        `supply-order:${id}`,
        { ...body, lines: input.lines.length, reference: input.reference ?? '' },
        { clientId },
        now,
      );
      return id;
    });
  }

  /** Contract 2.4 / 3: on delivery each item gets its date, warranty and serial, and joins the inventory. */
  async deliverOrder(orderId: number, input: DeliveryInput, actor = 'system:billing', now = Date.now()): Promise<void> {
    assertLocalDate(input.deliveredOn);
    await this.db.kysely.transaction().execute(async (tx) => {
      const o = await this.repo.lockOrder(tx, orderId);
      if (!o) throw new VigieError('NOT_FOUND');
      if (o.status !== 'ordered') throw new VigieError('CONFLICT', `Commande ${o.status === 'delivered' ? 'déjà livrée' : 'annulée'}`);
      if (input.deliveredOn < o.ordered_on) fail('Livraison antérieure à la commande');
      if (input.siteId !== undefined && !(await this.repo.siteOfClient(input.siteId, o.client_id, tx)))
        throw new VigieError('NOT_FOUND', 'No such site for this client');
      const lines = await this.repo.lines(orderId, tx);
      const byLine = new Map(lines.map((l) => [l.id, 0]));
      for (const it of input.items) {
        if (!byLine.has(it.lineId)) fail(`Ligne ${it.lineId} absente de cette commande`);
        byLine.set(it.lineId, byLine.get(it.lineId)! + 1);
        if (it.serial !== undefined && (it.serial.trim() === '' || it.serial.length > 100)) fail('Numéro de série vide ou trop long');
        if (warrantyInvalid(it.warrantyMonths)) fail(`Garantie invalide (0 à 120 mois) : ${it.warrantyMonths}`);
      }
      for (const l of lines)
        if (byLine.get(l.id) !== l.quantity) fail(`« ${l.description} » : ${l.quantity} article(s) commandé(s), ${byLine.get(l.id)} livré(s) décrit(s)`);
      const serials = input.items.filter((i) => i.serial).map((i) => serialKey(i.serial!));
      if (new Set(serials).size !== serials.length) fail('Numéro de série en double dans la livraison');
      // Conditional: even without the lock, an order is delivered once.
      if (!(await this.repo.markDelivered(orderId, input.deliveredOn, tx))) throw new VigieError('CONFLICT', 'Commande déjà livrée');
      await this.repo.insertItems(
        input.items.map((it) => {
          const l = lines.find((x) => x.id === it.lineId)!;
          const months = it.warrantyMonths ?? l.warranty_months;
          const serial = it.serial?.trim() ?? null;
          return {
            client_id: o.client_id,
            site_id: input.siteId ?? null,
            order_id: orderId,
            line_id: l.id,
            description: l.description,
            serial,
            serial_key: serial ? serialKey(serial) : null,
            delivered_on: input.deliveredOn,
            warranty_months: months,
            warranty_end: warrantyEnd(input.deliveredOn, months),
            created_at: now,
          };
        }),
        tx,
      );
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        actor,
        'supply.deliver',
        `supply-order:${orderId}`,
        { deliveredOn: input.deliveredOn, items: input.items.length, siteId: input.siteId ?? null },
        { clientId: o.client_id },
        now,
      );
    });
  }

  async cancelOrder(orderId: number, actor = 'system:billing', now = Date.now()): Promise<void> {
    await this.db.kysely.transaction().execute(async (tx) => {
      const o = await this.repo.lockOrder(tx, orderId);
      if (!o) throw new VigieError('NOT_FOUND');
      // The handling fee of a validated order stays due (2.4): only the goods are cancelled.
      if (o.status !== 'ordered' || !(await this.repo.markCancelled(orderId, tx)))
        throw new VigieError('CONFLICT', 'Seule une commande en cours peut être annulée');
      await appendAuditInTransaction(tx, this.db.dialect, actor, 'supply.cancel', `supply-order:${orderId}`, null, { clientId: o.client_id }, now);
    });
  }

  async orderClient(orderId: number): Promise<number | undefined> {
    return this.repo.orderClient(orderId);
  }

  async orders(clientId: number | undefined): Promise<Order[]> {
    const orders = await this.repo.orders(clientId);
    const lines = await this.repo.linesOf(orders.map((o) => o.id));
    return orders.map((o) => ({ ...o, lines: lines.filter((l) => l.order_id === o.id) }));
  }

  /** The client's supplied hardware and software (contract 3), each with the device it matches by serial. */
  async suppliedItems(clientId: number | undefined): Promise<SuppliedItemView[]> {
    return this.repo.suppliedItems(clientId);
  }
}
