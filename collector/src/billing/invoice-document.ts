import type { LocalDate } from '@vigie/shared';

/**
 * Everything printed on an invoice or a credit note, frozen at issue: the PDF is rendered from this
 * and nothing else, so an issued invoice reads the same forever. Money is integer cents; dates are
 * Europe/Paris calendar dates (YYYY-MM-DD).
 */
export interface LegalIdentity {
  name: string;
  /** e.g. "SARL au capital de 10 000 €"; printed under the name when set. */
  legalForm?: string;
  address: string[];
  /** 9-digit SIREN (required for the seller; for a business buyer since 2024 rules, printed when known). */
  siren?: string;
  siret?: string;
  /** Intra-community VAT number, e.g. FR12345678901. */
  vatNumber?: string;
  /** e.g. "RCS Lyon 123 456 789". */
  rcs?: string;
  email?: string;
  phone?: string;
  /**
   * Electronic invoicing address in the French directory (scheme 0225): the SIREN, optionally with
   * a suffix ("812345678_COMPTA"). When absent, the SIREN itself is the address.
   */
  electronicAddress?: string;
  /** ISO 3166-1 alpha-2 country of the address; France when absent. */
  country?: string;
}

export interface BankDetails {
  iban: string;
  bic: string;
  bank?: string;
}

export type InvoiceLineType = 'intervention' | 'expense' | 'supply_order' | 'supply_item' | 'recycling' | 'credit';

export interface InvoiceLine {
  type: InvoiceLineType;
  /** Paris date of the intervention, delivery or pickup. */
  date: LocalDate;
  /** Ticket number ("#42") for interventions and orders, when linked. */
  ticketRef?: string;
  /** Main text, e.g. "Intervention urgente à distance — Poste compta bloqué". */
  label: string;
  /** Second line in smaller type, e.g. the billing rule "Moindre coût pour le client (art. 2.6) : 2 × heure pour 95 min". */
  detail?: string;
  /** Observed duration in minutes (interventions). */
  minutes?: number;
  /** Quantity billed: the unit count for an intervention, the item quantity for an order line, the weight in kg for recycling. */
  quantity: number;
  /** Unit shown after the quantity: "heure", "½ journée", "quart d'heure", "journée", "u.", "kg", "forfait". */
  unit: string;
  unitPriceCents: number;
  /** quantity × unitPriceCents, rounded to the cent (negative on a credit note). */
  amountCents: number;
  /** Period the line bills when it is not the single day `date` (a credit on a whole invoice's month). */
  periodStart?: LocalDate;
  periodEnd?: LocalDate;
}

export interface InvoiceDocument {
  kind: 'invoice' | 'credit_note';
  /** Gap-free per year and kind: "F2026-0007", credit notes "AV2026-0001". */
  number: string;
  issuedOn: LocalDate;
  dueOn: LocalDate;
  /** Billed period (the month), inclusive. */
  periodStart: LocalDate;
  periodEnd: LocalDate;
  /** For a credit note (or a rectifying invoice): the invoice number it corrects, and its issue date. */
  correctsNumber?: string;
  correctsIssuedOn?: LocalDate;
  seller: LegalIdentity;
  buyer: LegalIdentity & { clientId: number };
  bank?: BankDetails;
  lines: InvoiceLine[];
  totalExclTaxCents: number;
  /** VAT rate in basis points (20 % → 2000). */
  vatRateBp: number;
  vatCents: number;
  totalInclTaxCents: number;
  /** "Prélèvement à 30 jours nets". */
  paymentTerms: string;
  /** The contract's payment method (invoices issued before it was recorded say it in `paymentTerms` only). */
  paymentMethod?: string;
  /** Late-payment penalties (art. L441-10 C. com.); on invoices issued before `recoveryIndemnityText`, also the 40 € indemnity. */
  latePenaltyText: string;
  /** The 40 € fixed recovery indemnity (art. D441-5 C. com.). */
  recoveryIndemnityText?: string;
  /** What the lines are: services, goods (supplied items) or both; frozen at issue, a credit note keeps its invoice's. */
  nature?: 'services' | 'goods' | 'mixed';
  /** The provider opted for paying VAT on debits (CGI art. 269-2-c): printed, and VAT point code 5 in the XML. */
  vatOnDebits?: boolean;
  /** "Pas d'escompte pour paiement anticipé." */
  discountText: string;
  /** Free note printed at the bottom (e.g. the reason of a credit note). */
  note?: string;
}
