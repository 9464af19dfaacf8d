import { type Static, Type } from '@sinclair/typebox';
import { Id, InterventionMode, LocalDateText, Ms, Nullable, strict, Text, TimeText } from './common.js';

// ---- recurring programmes (contract 2.6.1) ------------------------------------------------------

export const ScheduleBody = Type.Object(
  {
    ticketId: Id,
    title: Text(200),
    mode: InterventionMode,
    period: Type.Union([Type.Literal('weekly'), Type.Literal('monthly')]),
    firstDate: LocalDateText,
    untilDate: Type.Optional(LocalDateText),
    startTime: TimeText,
    reservedMinutes: Type.Integer({ minimum: 1, maximum: 480 }),
  },
  strict,
);
export type ScheduleBody = Static<typeof ScheduleBody>;

export const Schedule = Type.Object({
  id: Type.Integer(),
  client_id: Type.Integer(),
  ticket_id: Type.Integer(),
  title: Type.String(),
  mode: InterventionMode,
  period: Type.Union([Type.Literal('weekly'), Type.Literal('monthly')]),
  first_date: LocalDateText,
  until_date: Nullable(LocalDateText),
  start_time: Type.String(),
  reserved_minutes: Type.Integer(),
  active: Type.Integer(),
  created_at: Ms,
});
export type Schedule = Static<typeof Schedule>;

export const Occurrence = Type.Object({
  id: Type.Integer(),
  schedule_id: Type.Integer(),
  slot: Type.Integer(),
  date: LocalDateText,
  /** The programme's own date for this occurrence when it fell on a weekend or a public holiday and was moved. */
  moved_from: Nullable(LocalDateText),
  start_time: Type.String(),
  reserved_minutes: Type.Integer(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('done'), Type.Literal('cancelled')]),
  changed_by: Nullable(Type.Union([Type.Literal('client'), Type.Literal('adjustment')])),
  recorded_minutes: Type.Integer(),
});
export type Occurrence = Static<typeof Occurrence>;

export const ScheduleChange = Type.Object({
  id: Type.Integer(),
  occurrence_id: Type.Integer(),
  received_at: Ms,
  requested_date: Nullable(Type.String()),
  requested_start_time: Nullable(Type.String()),
  requested_minutes: Nullable(Type.Integer()),
  accepted: Type.Integer(),
  reason: Type.String(),
});
export type ScheduleChange = Static<typeof ScheduleChange>;

export const ScheduleDetail = Type.Object({ schedule: Schedule, occurrences: Type.Array(Occurrence), changes: Type.Array(ScheduleChange) });
export type ScheduleDetail = Static<typeof ScheduleDetail>;
export const ScheduleList = Type.Object({ schedules: Type.Array(Schedule) });

export const ChangeRequestBody = Type.Object(
  {
    date: Type.Optional(LocalDateText),
    startTime: Type.Optional(TimeText),
    minutes: Type.Optional(Type.Integer({ minimum: -1e6, maximum: 1e6 })),
    cancel: Type.Optional(Type.Boolean()),
    receivedAt: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export const ChangeAnswer = Type.Object({ accepted: Type.Boolean(), reason: Type.String(), schedule: ScheduleDetail });

// ---- supply orders (2.4), supplied items (3), DEEE pickups (2.5) ----------------------------------

export const OrderBody = Type.Object(
  {
    supplier: Text(200),
    reference: Type.Optional(Type.String({ maxLength: 100 })),
    orderedOn: LocalDateText,
    ticketId: Type.Optional(Id),
    lines: Type.Array(
      Type.Object(
        {
          description: Text(300),
          unitPriceCents: Type.Integer({ minimum: -1e12, maximum: 1e12 }),
          quantity: Type.Integer({ minimum: -1e6, maximum: 1e6 }),
          warrantyMonths: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
        },
        strict,
      ),
      { maxItems: 200 },
    ),
  },
  strict,
);
export type OrderBody = Static<typeof OrderBody>;

export const OrderLine = Type.Object({
  id: Type.Integer(),
  order_id: Type.Integer(),
  description: Type.String(),
  unit_price_cents: Type.Integer(),
  quantity: Type.Integer(),
  warranty_months: Type.Integer(),
});
export const Order = Type.Object({
  id: Type.Integer(),
  client_id: Type.Integer(),
  ticket_id: Nullable(Type.Integer()),
  supplier: Type.String(),
  reference: Type.String(),
  ordered_on: LocalDateText,
  status: Type.Union([Type.Literal('ordered'), Type.Literal('delivered'), Type.Literal('cancelled')]),
  delivered_on: Nullable(LocalDateText),
  fee_unit: Type.String(),
  fee_count: Type.Integer(),
  fee_unit_price_cents: Type.Integer(),
  fee_amount_cents: Type.Integer(),
  fee_rule: Type.String(),
  fee_invoice_id: Nullable(Type.Integer()),
  goods_invoice_id: Nullable(Type.Integer()),
  created_at: Ms,
  lines: Type.Array(OrderLine),
});
export type Order = Static<typeof Order>;
export const OrderList = Type.Object({ orders: Type.Array(Order) });

export const DeliveryBody = Type.Object(
  {
    deliveredOn: LocalDateText,
    siteId: Type.Optional(Id),
    items: Type.Array(
      Type.Object(
        { lineId: Id, serial: Type.Optional(Type.String({ maxLength: 200 })), warrantyMonths: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })) },
        strict,
      ),
      { maxItems: 5000 },
    ),
  },
  strict,
);

export const SuppliedItem = Type.Object({
  id: Type.Integer(),
  client_id: Type.Integer(),
  site_id: Nullable(Type.Integer()),
  order_id: Nullable(Type.Integer()),
  description: Type.String(),
  serial: Nullable(Type.String()),
  delivered_on: LocalDateText,
  warranty_months: Type.Integer(),
  warranty_end: LocalDateText,
  retired_on: Nullable(LocalDateText),
  supplier: Nullable(Type.String()),
  order_reference: Nullable(Type.String()),
  device_id: Nullable(Type.Integer()),
});
export type SuppliedItem = Static<typeof SuppliedItem>;
export const SuppliedItemList = Type.Object({ items: Type.Array(SuppliedItem) });
export const Cancelled = Type.Object({ cancelled: Type.Boolean() });

export const PickupBody = Type.Object(
  {
    pickedUpOn: LocalDateText,
    description: Text(1000),
    weightGrams: Type.Integer({ minimum: -1e9, maximum: 1e9 }),
    transportCents: Type.Integer({ minimum: -1e12, maximum: 1e12 }),
    handlingCents: Type.Integer({ minimum: -1e12, maximum: 1e12 }),
    recyclingRateCentsPerKg: Type.Integer({ minimum: -1e12, maximum: 1e12 }),
    bsdReference: Type.Optional(Text(100)),
    ticketId: Type.Optional(Id),
  },
  strict,
);
export type PickupBody = Static<typeof PickupBody>;
export const Pickup = Type.Object({
  id: Type.Integer(),
  client_id: Type.Integer(),
  ticket_id: Nullable(Type.Integer()),
  picked_up_on: LocalDateText,
  description: Type.String(),
  weight_grams: Type.Integer(),
  transport_cents: Type.Integer(),
  handling_cents: Type.Integer(),
  recycling_rate_cents_per_kg: Type.Integer(),
  recycling_cents: Type.Integer(),
  bsd_reference: Nullable(Type.String()),
  invoice_id: Nullable(Type.Integer()),
  created_at: Ms,
});
export type Pickup = Static<typeof Pickup>;
export const PickupList = Type.Object({ pickups: Type.Array(Pickup) });
export const BsdBody = Type.Object({ reference: Text(100) }, strict);

export type ScheduleList = Static<typeof ScheduleList>;
export type ChangeRequestBody = Static<typeof ChangeRequestBody>;
export type ChangeAnswer = Static<typeof ChangeAnswer>;
export type OrderLine = Static<typeof OrderLine>;
export type OrderList = Static<typeof OrderList>;
export type DeliveryBody = Static<typeof DeliveryBody>;
export type SuppliedItemList = Static<typeof SuppliedItemList>;
export type Cancelled = Static<typeof Cancelled>;
export type PickupList = Static<typeof PickupList>;
export type BsdBody = Static<typeof BsdBody>;
