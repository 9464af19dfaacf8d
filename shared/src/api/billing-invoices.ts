import { type Static, Type } from '@sinclair/typebox';
import { PaymentMethod } from './billing-contracts.js';
import { Id, LocalDateText, MonthText, Ms, Nullable, Opaque, strict, Text } from './common.js';

export const GenerateInvoicesBody = Type.Object({ month: MonthText, clientId: Type.Optional(Id) }, strict);
export const GenerateInvoicesResult = Type.Object({
  results: Type.Array(
    Type.Object({
      clientId: Type.Integer(),
      id: Type.Optional(Type.Integer()),
      number: Type.Optional(Type.String()),
      /** True when this run (the month's, or one client's) issued the invoice, false when it found it issued before. */
      issued: Type.Optional(Type.Boolean()),
      error: Type.Optional(Type.String()),
    }),
  ),
});

export const InvoiceQuery = Type.Object({
  clientId: Type.Optional(Id),
  year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2200 })),
  asOf: Type.Optional(LocalDateText),
});

export const InvoiceStatus = Type.Union(
  ['paid', 'due', 'overdue', 'disputed', 'cancelled', 'credit_note'].map((s) =>
    Type.Literal(s as 'paid' | 'due' | 'overdue' | 'disputed' | 'cancelled' | 'credit_note'),
  ),
);
export const Dispute = Type.Object({
  id: Type.Integer(),
  openedOn: LocalDateText,
  reason: Type.String(),
  notifiedVia: Type.String(),
  settledOn: Nullable(LocalDateText),
  settlement: Nullable(Type.String()),
});
export type Dispute = Static<typeof Dispute>;
export const Penalty = Type.Object({
  daysLate: Type.Integer(),
  annualRateBp: Nullable(Type.Integer()),
  interestCents: Type.Integer(),
  indemnityCents: Type.Integer(),
  totalCents: Type.Integer(),
});

/** An invoice or credit note as of a date: a credit note carries only the first fields. */
export const InvoiceView = Type.Object({
  id: Type.Integer(),
  clientId: Type.Integer(),
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')]),
  number: Type.String(),
  periodStart: LocalDateText,
  periodEnd: LocalDateText,
  issuedOn: LocalDateText,
  dueOn: LocalDateText,
  correctsNumber: Nullable(Type.String()),
  totalExclCents: Type.Integer(),
  vatRateBp: Type.Integer(),
  vatCents: Type.Integer(),
  totalInclCents: Type.Integer(),
  lineCount: Type.Integer(),
  status: InvoiceStatus,
  effectiveDueOn: Type.Optional(Nullable(LocalDateText)),
  paidCents: Type.Optional(Type.Integer()),
  creditedCents: Type.Optional(Type.Integer()),
  balanceCents: Type.Optional(Type.Integer()),
  payments: Type.Optional(
    Type.Array(Type.Object({ id: Type.Integer(), paidOn: LocalDateText, amountCents: Type.Integer(), method: Type.String(), reference: Type.String() })),
  ),
  creditNotes: Type.Optional(
    Type.Array(Type.Object({ id: Type.Integer(), number: Type.String(), issuedOn: LocalDateText, totalInclCents: Type.Integer(), cancels: Type.Integer() })),
  ),
  disputes: Type.Optional(Type.Array(Dispute)),
  penalty: Type.Optional(Nullable(Penalty)),
  /** Why no penalty could be computed (no ECB rate entered). */
  penaltyNote: Type.Optional(Type.String()),
});
export type InvoiceView = Static<typeof InvoiceView>;
export const InvoiceList = Type.Object({ invoices: Type.Array(InvoiceView) });
/** With the frozen document it was printed from (lines, parties, mentions). */
export const InvoiceDetail = Type.Composite([InvoiceView, Type.Object({ document: Opaque })]);

export const CreditNoteBody = Type.Object(
  { reason: Text(1000), amountExclCents: Type.Optional(Type.Integer({ minimum: -1e12, maximum: 1e12 })), release: Type.Optional(Type.Boolean()) },
  strict,
);
export const PaymentBody = Type.Object(
  {
    paidOn: LocalDateText,
    amountCents: Type.Integer({ minimum: -1e12, maximum: 1e12 }),
    method: PaymentMethod,
    reference: Type.Optional(Type.String({ maxLength: 200 })),
  },
  strict,
);
export const DisputeBody = Type.Object(
  {
    reason: Text(5000),
    openedOn: Type.Optional(LocalDateText),
    notifiedVia: Type.Optional(Type.Union([Type.Literal('portal'), Type.Literal('email'), Type.Literal('letter')])),
  },
  strict,
);
export const SettleBody = Type.Object(
  { settledOn: Type.Optional(LocalDateText), settlement: Text(5000), creditExclCents: Type.Optional(Type.Integer({ minimum: -1e12, maximum: 1e12 })) },
  strict,
);

export const FinanceQuery = Type.Object({ months: Type.Integer({ minimum: 1, maximum: 24, default: 3 }), asOf: Type.Optional(LocalDateText) });
export const FinanceMonth = Type.Object({
  month: MonthText,
  asOf: LocalDateText,
  invoicedExclCents: Type.Integer(),
  invoicedInclCents: Type.Integer(),
  paidCents: Type.Integer(),
  outstandingCents: Type.Integer(),
  overdueCents: Type.Integer(),
  disputedCents: Type.Integer(),
});
export type FinanceMonth = Static<typeof FinanceMonth>;
export const Finance = Type.Object({ months: Type.Array(FinanceMonth) });

export const InvoiceDelivery = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('scheduled'), Type.Literal('resend')]),
  status: Type.Union([Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed'), Type.Literal('skipped')]),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  willRetry: Type.Boolean(),
  recipients: Type.Array(Type.String()),
  messageId: Nullable(Type.String()),
  error: Nullable(Type.String()),
  createdAt: Ms,
  updatedAt: Ms,
  sentAt: Nullable(Ms),
});
export const InvoiceDeliveryOf = Type.Composite([Type.Object({ invoiceId: Type.Integer() }), InvoiceDelivery]);
export type InvoiceDeliveryOf = Static<typeof InvoiceDeliveryOf>;
export const InvoiceDeliveries = Type.Object({ deliveries: Type.Array(InvoiceDelivery) });
export const LatestInvoiceDeliveries = Type.Object({ deliveries: Type.Array(InvoiceDeliveryOf) });
export const SendInvoiceBody = Type.Object({ again: Type.Optional(Type.Boolean()) }, strict);
export const SendInvoiceResult = Type.Object(
  { delivery: Type.String(), error: Type.Optional(Type.String()), deliveries: Type.Array(InvoiceDelivery) },
  { additionalProperties: true },
);
export const EInvoicingSettings = Type.Object({ vatOnDebits: Type.Boolean() });
export const EInvoicingBody = Type.Object({ vatOnDebits: Type.Boolean() }, strict);
export const EReportingQuery = Type.Object({ month: MonthText, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) });

/** The month's payments to e-report: services invoiced without the debits option, split by VAT rate. */
export const EReporting = Type.Object({
  month: MonthText,
  from: LocalDateText,
  to: LocalDateText,
  payments: Type.Array(
    Type.Object({
      paymentId: Type.Integer(),
      paidOn: LocalDateText,
      method: Type.String(),
      reference: Type.String(),
      invoiceId: Type.Integer(),
      invoiceNumber: Type.String(),
      invoiceIssuedOn: LocalDateText,
      clientId: Type.Integer(),
      buyerName: Type.String(),
      buyerSiren: Nullable(Type.String()),
      amountCents: Type.Integer(),
      vatRateBp: Type.Integer(),
      servicesInclCents: Type.Integer(),
      servicesExclCents: Type.Integer(),
      servicesVatCents: Type.Integer(),
    }),
  ),
  totals: Type.Array(
    Type.Object({ vatRateBp: Type.Integer(), exclCents: Type.Integer(), vatCents: Type.Integer(), inclCents: Type.Integer(), payments: Type.Integer() }),
  ),
  excluded: Type.Object({ vatOnDebits: Type.Integer(), goodsOnly: Type.Integer() }),
});

export type GenerateInvoicesBody = Static<typeof GenerateInvoicesBody>;
export type GenerateInvoicesResult = Static<typeof GenerateInvoicesResult>;
export type InvoiceQuery = Static<typeof InvoiceQuery>;
export type InvoiceStatus = Static<typeof InvoiceStatus>;
export type Penalty = Static<typeof Penalty>;
export type InvoiceList = Static<typeof InvoiceList>;
export type InvoiceDetail = Static<typeof InvoiceDetail>;
export type CreditNoteBody = Static<typeof CreditNoteBody>;
export type PaymentBody = Static<typeof PaymentBody>;
export type DisputeBody = Static<typeof DisputeBody>;
export type SettleBody = Static<typeof SettleBody>;
export type FinanceQuery = Static<typeof FinanceQuery>;
export type Finance = Static<typeof Finance>;
export type InvoiceDelivery = Static<typeof InvoiceDelivery>;
export type InvoiceDeliveries = Static<typeof InvoiceDeliveries>;
export type LatestInvoiceDeliveries = Static<typeof LatestInvoiceDeliveries>;
export type SendInvoiceBody = Static<typeof SendInvoiceBody>;
export type SendInvoiceResult = Static<typeof SendInvoiceResult>;
export type EInvoicingSettings = Static<typeof EInvoicingSettings>;
export type EInvoicingBody = Static<typeof EInvoicingBody>;
export type EReportingQuery = Static<typeof EReportingQuery>;
export type EReporting = Static<typeof EReporting>;
