import { frenchDate, type LocalDate } from '@vigie/shared';
import { type BillingUnit, KIND_LABEL, MODE_LABEL, UNIT_LABEL } from '../billing-units.js';
import type { InvoiceLine } from '../invoice-document.js';
import type { BillableItems } from './billable-items.js';

const duration = (minutes: number) =>
  minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${String(minutes % 60).padStart(2, '0')}` : ''}`;

/**
 * The lines of a monthly invoice (contract 5.1), in this order: interventions with their expenses
 * (2.6), supply order fees (2.4), supplied goods, DEEE pickups (2.5).
 */
export function invoiceLines(items: BillableItems): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  for (const i of items.interventions) {
    lines.push({
      type: 'intervention',
      date: i.date,
      ticketRef: `#${i.ticket_id}`,
      label: `Intervention ${KIND_LABEL[i.kind]}${i.programmed_mode === 'recurring' ? ' récurrente' : i.programmed_mode === 'planned' ? ' planifiée' : ''} ${MODE_LABEL[i.mode]} — ${i.ticket_title}`,
      detail: `${duration(i.minutes)} constatées${i.technician ? `, ${i.technician}` : ''}. ${i.rule}`,
      minutes: i.minutes,
      quantity: i.unit_count,
      unit: UNIT_LABEL[i.unit as BillingUnit],
      unitPriceCents: i.unit_price_cents,
      amountCents: i.amount_cents,
    });
    for (const [cents, what] of [
      [i.travel_cents, 'Frais de déplacement'],
      [i.meal_cents, 'Frais de restauration'],
      [i.lodging_cents, 'Frais d’hébergement'],
    ] as const) {
      if (cents > 0)
        lines.push({
          type: 'expense',
          date: i.date,
          ticketRef: `#${i.ticket_id}`,
          label: `${what} — intervention sur site du ${frenchDate(i.date)}`,
          detail: 'Frais facturés en sus (art. 2.6, lieux d’exécution)',
          quantity: 1,
          unit: 'forfait',
          unitPriceCents: cents,
          amountCents: cents,
        });
    }
  }

  for (const o of items.feeOrders)
    lines.push({
      type: 'supply_order',
      date: o.ordered_on,
      ...(o.ticket_id ? { ticketRef: `#${o.ticket_id}` } : {}),
      label: `Gestion de la commande n° ${o.id}${o.reference ? ` (${o.reference})` : ''} — ${o.supplier}`,
      detail: o.fee_rule,
      quantity: o.fee_count,
      unit: UNIT_LABEL[o.fee_unit as BillingUnit],
      unitPriceCents: o.fee_unit_price_cents,
      amountCents: o.fee_amount_cents,
    });
  for (const o of items.goodsOrders) {
    const deliveredOn = o.delivered_on as LocalDate;
    for (const l of o.lines)
      lines.push({
        type: 'supply_item',
        date: deliveredOn,
        ...(o.ticket_id ? { ticketRef: `#${o.ticket_id}` } : {}),
        label: `${l.description} — commande n° ${o.id}, ${o.supplier}`,
        detail: `Livré le ${frenchDate(deliveredOn)}, garantie ${l.warranty_months} mois${l.serials.length ? `, n° de série : ${l.serials.join(', ')}` : ''}`,
        quantity: l.quantity,
        unit: 'u.',
        unitPriceCents: l.unit_price_cents,
        amountCents: l.unit_price_cents * l.quantity,
      });
  }

  for (const p of items.pickups) {
    const ref = p.ticket_id ? { ticketRef: `#${p.ticket_id}` } : {};
    const kg = p.weight_grams / 1000;
    const what = `Enlèvement DEEE n° ${p.id} du ${frenchDate(p.picked_up_on)} — ${p.description}`;
    if (p.transport_cents > 0)
      lines.push({
        type: 'recycling',
        date: p.picked_up_on,
        ...ref,
        label: `${what} : transport`,
        quantity: 1,
        unit: 'forfait',
        unitPriceCents: p.transport_cents,
        amountCents: p.transport_cents,
      });
    if (p.handling_cents > 0)
      lines.push({
        type: 'recycling',
        date: p.picked_up_on,
        ...ref,
        label: `${what} : acheminement et conditionnement`,
        quantity: 1,
        unit: 'forfait',
        unitPriceCents: p.handling_cents,
        amountCents: p.handling_cents,
      });
    lines.push({
      type: 'recycling',
      date: p.picked_up_on,
      ...ref,
      label: `${what} : recyclage`,
      detail: `Au poids (art. 2.5)${p.bsd_reference ? `, BSD ${p.bsd_reference}` : ', BSD remis sur demande'}`,
      quantity: kg,
      unit: 'kg',
      unitPriceCents: p.recycling_rate_cents_per_kg,
      amountCents: p.recycling_cents,
    });
  }
  return lines;
}
