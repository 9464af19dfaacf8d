import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Cents, Id, InterventionKind, InterventionMode, LocalDateText, loose, Ms, Nullable, strict, Text } from './common.js';

/**
 * A legal identity as an invoice prints it (the provider's and each client's). A form that edits one
 * shows every field of this schema (dashboard test): saving it unchanged keeps them all.
 */
export const LegalIdentity = Type.Object(
  {
    name: Text(200),
    /** e.g. "SARL au capital de 10 000 €". */
    legalForm: Type.Optional(Text(200)),
    address: Type.Array(Text(200), { minItems: 1, maxItems: 6 }),
    siren: Type.Optional(Type.String({ pattern: '^\\d{3} ?\\d{3} ?\\d{3}$' })),
    siret: Type.Optional(Type.String({ pattern: '^\\d{3} ?\\d{3} ?\\d{3} ?\\d{5}$' })),
    vatNumber: Type.Optional(Type.String({ pattern: '^[A-Z]{2}[0-9A-Z ]{2,13}$' })),
    /** e.g. "RCS Lyon 812 345 678". */
    rcs: Type.Optional(Text(100)),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })),
    phone: Type.Optional(Text(40)),
    /** E-invoicing address in the French directory (scheme 0225): the SIREN, optionally with a suffix. */
    electronicAddress: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+\\-_.]{1,125}$' })),
    /** ISO 3166-1 alpha-2; France when absent. */
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  },
  strict,
);
export type LegalIdentity = Static<typeof LegalIdentity>;

export const BankDetails = Type.Object(
  {
    iban: Type.String({ pattern: '^[A-Z]{2}\\d{2}[A-Z0-9 ]{10,40}$' }),
    bic: Type.String({ pattern: '^[A-Z0-9]{8}([A-Z0-9]{3})?$' }),
    bank: Type.Optional(Text(100)),
  },
  strict,
);
export type BankDetails = Static<typeof BankDetails>;

export const SellerSettingsBody = Type.Object({ seller: LegalIdentity, bank: Type.Optional(Nullable(BankDetails)) }, strict);
export type SellerSettingsBody = Static<typeof SellerSettingsBody>;
/** The provider's logo, printed on reports: PNG or JPEG, 512 KiB at most. */
export const LOGO_MAX_BYTES = 512 * 1024;
export const LogoInfo = Type.Object({ type: Type.String(), size: Type.Integer(), updatedAt: Ms });
export const SellerSettings = Type.Object({ seller: Nullable(loose(LegalIdentity)), bank: Nullable(loose(BankDetails)), logo: Nullable(LogoInfo) });
export type SellerSettings = Static<typeof SellerSettings>;

const UnitPrices = <T extends TSchema>(t: T) =>
  Type.Object({ day: Type.Optional(t), half_day: Type.Optional(t), hour: Type.Optional(t), quarter_hour: Type.Optional(t) }, strict);
const ModePrices = Type.Object({ on_site: Type.Optional(UnitPrices(Cents)), remote: Type.Optional(UnitPrices(Cents)) }, strict);
/** Contract 2.6: a price (integer cents, tax excluded) per type, mode and unit. */
export const PriceGrid = Type.Object({ programmed: ModePrices, urgent: ModePrices }, strict);
export type PriceGrid = Static<typeof PriceGrid>;

/** Contract 5.1: payment by direct debit unless the provider agreed otherwise. */
export const PAYMENT_METHODS = ['direct_debit', 'transfer', 'cheque', 'card', 'other'] as const;
export const PaymentMethod = Type.Union(PAYMENT_METHODS.map((m) => Type.Literal(m)));
export type PaymentMethod = Static<typeof PaymentMethod>;

export const SyntecValue = Type.Number({ exclusiveMinimum: 0, maximum: 100_000 });
export const ContractBody = Type.Object(
  {
    startDate: LocalDateText,
    vatRateBp: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    paymentDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
    paymentMethod: Type.Optional(PaymentMethod),
    buyer: LegalIdentity,
    recipients: Type.Optional(Type.Array(Type.String({ format: 'email', maxLength: 200 }), { maxItems: 20 })),
    grid: Type.Optional(PriceGrid),
    /** Contract 5.2: S0, the Syntec index known at signature, and its publication date (default: the last entered on or before the signature). */
    syntecIndex: Type.Optional(SyntecValue),
    syntecIndexDate: Type.Optional(LocalDateText),
  },
  strict,
);
export type ContractBody = Static<typeof ContractBody>;

export const GridView = Type.Object({
  id: Type.Integer(),
  validFrom: LocalDateText,
  validTo: Nullable(LocalDateText),
  reason: Type.Union([Type.Literal('initial'), Type.Literal('revision'), Type.Literal('amendment')]),
  syntecIndex: Type.Number(),
  /** When that index was published (null for grids entered before it was recorded). */
  syntecIndexDate: Nullable(LocalDateText),
  grid: loose(PriceGrid),
});
export type GridView = Static<typeof GridView>;

export const NoticeBody = Type.Object(
  { receivedOn: LocalDateText, from: Type.Union([Type.Literal('client'), Type.Literal('provider')]), endDate: Type.Optional(LocalDateText) },
  strict,
);
export const NoticeView = Type.Object({
  receivedOn: LocalDateText,
  from: Type.Union([Type.Literal('client'), Type.Literal('provider')]),
  endDate: LocalDateText,
});

export const ContractView = Type.Object({
  clientId: Type.Integer(),
  startDate: LocalDateText,
  termMonths: Type.Integer(),
  noticeMonths: Type.Integer(),
  currentTerm: Type.Object({ index: Type.Integer(), start: LocalDateText, end: LocalDateText }),
  tacitRenewals: Type.Integer(),
  vatRateBp: Type.Integer(),
  paymentDays: Type.Integer(),
  paymentMethod: PaymentMethod,
  buyer: loose(LegalIdentity),
  recipients: Type.Array(Type.String()),
  notice: Nullable(NoticeView),
  ended: Type.Boolean(),
  currentGrid: Nullable(GridView),
  grids: Type.Array(GridView),
});
export type ContractView = Static<typeof ContractView>;

export const GridBody = Type.Object({ validFrom: LocalDateText, grid: PriceGrid }, strict);
export const RevisionQuery = Type.Object({ validFrom: LocalDateText });
export const RevisionProposal = Type.Object({
  validFrom: LocalDateText,
  s0: Type.Number(),
  s1: Type.Number(),
  s1PublishedOn: LocalDateText,
  ratio: Type.Number(),
  currentGrid: loose(PriceGrid),
  proposedGrid: loose(PriceGrid),
});
export type RevisionProposal = Static<typeof RevisionProposal>;
export const RevisionApplied = Type.Object({ id: Type.Integer(), contract: ContractView });

export const EcbRateBody = Type.Object({ from: LocalDateText, rateBp: Type.Integer({ minimum: -1000, maximum: 5000 }) }, strict);
export const EcbRates = Type.Object({ rates: Type.Array(Type.Object({ from: LocalDateText, rateBp: Type.Integer() })) });
export const SyntecBody = Type.Object({ publishedOn: LocalDateText, value: SyntecValue }, strict);
export const SyntecIndices = Type.Object({ indices: Type.Array(Type.Object({ publishedOn: LocalDateText, value: Type.Number() })) });

export const QuoteBody = Type.Object(
  { clientId: Id, kind: InterventionKind, mode: InterventionMode, minutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }), date: LocalDateText },
  strict,
);
export const Quote = Type.Object({
  unit: Type.String(),
  count: Type.Integer(),
  unitPriceCents: Type.Integer(),
  amountCents: Type.Integer(),
  rule: Type.String(),
});
export type Quote = Static<typeof Quote>;

const SignedCents = Type.Integer({ minimum: -1e12, maximum: 1e12 });
export const InterventionBody = Type.Object(
  {
    technicianId: Type.Optional(Id),
    date: Type.Optional(LocalDateText),
    startedAt: Type.Optional(Type.Integer({ minimum: 0 })),
    endedAt: Type.Optional(Type.Integer({ minimum: 0 })),
    minutes: Type.Optional(Type.Integer({ minimum: -1e6, maximum: 1e6 })),
    kind: Type.Optional(InterventionKind),
    mode: Type.Optional(InterventionMode),
    programmedMode: Type.Optional(Type.Union([Type.Literal('planned'), Type.Literal('recurring')])),
    occurrenceId: Type.Optional(Id),
    travelCents: Type.Optional(SignedCents),
    mealCents: Type.Optional(SignedCents),
    lodgingCents: Type.Optional(SignedCents),
    notes: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  strict,
);
export type InterventionBody = Static<typeof InterventionBody>;

export const InterventionRow = Type.Object({
  id: Type.Integer(),
  client_id: Type.Integer(),
  ticket_id: Type.Integer(),
  technician_id: Nullable(Type.Integer()),
  date: LocalDateText,
  started_at: Nullable(Ms),
  ended_at: Nullable(Ms),
  minutes: Type.Integer(),
  kind: InterventionKind,
  mode: InterventionMode,
  programmed_mode: Nullable(Type.String()),
  occurrence_id: Nullable(Type.Integer()),
  travel_cents: Type.Integer(),
  meal_cents: Type.Integer(),
  lodging_cents: Type.Integer(),
  notes: Type.String(),
  grid_id: Type.Integer(),
  unit: Type.String(),
  unit_count: Type.Integer(),
  unit_price_cents: Type.Integer(),
  amount_cents: Type.Integer(),
  rule: Type.String(),
  invoice_id: Nullable(Type.Integer()),
  created_at: Ms,
  updated_at: Ms,
});
export type InterventionRow = Static<typeof InterventionRow>;
export const InterventionList = Type.Object({ interventions: Type.Array(InterventionRow) });
export const InterventionQuery = Type.Object({
  clientId: Type.Optional(Id),
  from: Type.Optional(LocalDateText),
  to: Type.Optional(LocalDateText),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
});

export type LogoInfo = Static<typeof LogoInfo>;
export type SyntecValue = Static<typeof SyntecValue>;
export type NoticeBody = Static<typeof NoticeBody>;
export type NoticeView = Static<typeof NoticeView>;
export type GridBody = Static<typeof GridBody>;
export type RevisionQuery = Static<typeof RevisionQuery>;
export type RevisionApplied = Static<typeof RevisionApplied>;
export type EcbRateBody = Static<typeof EcbRateBody>;
export type EcbRates = Static<typeof EcbRates>;
export type SyntecBody = Static<typeof SyntecBody>;
export type SyntecIndices = Static<typeof SyntecIndices>;
export type QuoteBody = Static<typeof QuoteBody>;
export type InterventionList = Static<typeof InterventionList>;
export type InterventionQuery = Static<typeof InterventionQuery>;
