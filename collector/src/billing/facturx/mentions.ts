/**
 * What the French e-invoicing reform adds to an invoice, derived once from the frozen
 * InvoiceDocument so that the visible PDF, the CII XML and the UBL export say the same thing: the
 * document type, the billing framework (BT-23), the nature of the operations, the electronic
 * addresses of both parties, the legal notes with their subject codes, each line's period and unit
 * code. Invoices issued before these fields existed get the same derivation from what they hold.
 */
import type { LocalDate } from '@vigie/shared';
import type { InvoiceDocument, InvoiceLine, InvoiceLineType, LegalIdentity } from '../invoice-document.js';

/** BT-24: the Factur-X EN 16931 profile (lines, VAT breakdown; MINIMUM and BASIC WL carry no lines). */
export const EN16931_GUIDELINE = 'urn:cen.eu:en16931:2017';

export type Nature = 'services' | 'goods' | 'mixed';

/** The legal mention of a VAT option on debits (CGI art. 242 nonies A, 13°). */
export const DEBITS_TEXT = 'Option pour le paiement de la taxe d’après les débits';

/** Goods are the supplied items; everything else (time, expenses, order handling, DEEE pickups) is a service. */
export function natureOfLines(lines: readonly { type: InvoiceLineType }[]): Nature {
  const goods = lines.some((l) => l.type === 'supply_item');
  const services = lines.some((l) => l.type !== 'supply_item' && l.type !== 'credit');
  return goods && services ? 'mixed' : goods ? 'goods' : 'services';
}

/** A document's nature: frozen at issue (a credit note inherits its invoice's), else from its lines. */
export function natureOf(doc: InvoiceDocument): Nature {
  return doc.nature ?? natureOfLines(doc.lines);
}

/** BT-23, the French billing framework: B1 goods, S1 services, M1 both (none of them paid already). */
export function businessProcess(doc: InvoiceDocument): 'B1' | 'S1' | 'M1' {
  return { goods: 'B1', services: 'S1', mixed: 'M1' }[natureOf(doc)] as 'B1' | 'S1' | 'M1';
}

/** BT-3: 380 invoice, 384 rectifying invoice (replaces a cancelled one), 381 credit note. */
export function documentTypeCode(doc: InvoiceDocument): '380' | '381' | '384' {
  if (doc.kind === 'credit_note') return '381';
  return doc.correctsNumber ? '384' : '380';
}

/** The debits option only concerns services (goods' VAT is due on delivery whatever the option). */
export function vatOnDebits(doc: InvoiceDocument): boolean {
  return doc.vatOnDebits === true && natureOf(doc) !== 'goods';
}

export const sirenOf = (who: LegalIdentity): string | undefined => who.siren?.replace(/\s/g, '') || undefined;
export const siretOf = (who: LegalIdentity): string | undefined => who.siret?.replace(/\s/g, '') || undefined;

/**
 * BT-34 / BT-49: the address in the French directory (scheme 0225), by default the SIREN itself;
 * a buyer without a SIREN (a private person) is reached by e-mail (scheme EM).
 */
export function electronicAddress(who: LegalIdentity): { scheme: '0225' | 'EM'; id: string } | undefined {
  if (who.electronicAddress) return { scheme: '0225', id: who.electronicAddress.trim() };
  const siren = sirenOf(who);
  if (siren) return { scheme: '0225', id: siren };
  if (who.email) return { scheme: 'EM', id: who.email };
  return undefined;
}

const ADDRESS_ID = /^[A-Za-z0-9+\-_.]{1,125}$/;

/** Why an electronic address cannot be used (directory format, and for a business it starts with its SIREN), or null. */
export function electronicAddressProblem(who: LegalIdentity): string | null {
  if (!who.electronicAddress) return null;
  const id = who.electronicAddress.trim();
  if (!ADDRESS_ID.test(id))
    return `Adresse de facturation électronique invalide\u00a0: «\u00a0${id}\u00a0» (lettres, chiffres, + - _ .\u00a0; 125 caractères au plus)`;
  const siren = sirenOf(who);
  if (siren && !id.startsWith(siren))
    return `L’adresse de facturation électronique «\u00a0${id}\u00a0» doit commencer par le SIREN ${siren} (annuaire, schéma 0225)`;
  return null;
}

/** The country of an identity: given, else the prefix of its VAT number, else France. */
export function countryOf(who: LegalIdentity): string {
  if (who.country) return who.country.toUpperCase();
  const prefix = who.vatNumber?.slice(0, 2).toUpperCase();
  if (prefix && /^[A-Z]{2}$/.test(prefix)) return prefix === 'EL' ? 'GR' : prefix;
  return 'FR';
}

/** Free address lines split into street lines, postcode and city (the last line "69003 Lyon"). */
export function postalAddress(who: LegalIdentity): { lines: string[]; postcode?: string; city?: string; country: string } {
  const lines = who.address.map((l) => l.trim()).filter(Boolean);
  const country = countryOf(who);
  const last = lines.at(-1);
  const m = last ? /^(?:[A-Z]{1,3}-)?(\d{4,5}|[A-Z0-9]{2,4} ?[A-Z0-9]{3})\s+(.+)$/.exec(last) : null;
  if (m) return { lines: lines.slice(0, -1), postcode: m[1] as string, city: m[2] as string, country };
  return { lines: lines.slice(0, -1), ...(last ? { city: last } : {}), country };
}

export type NoteSubject = 'PMD' | 'PMT' | 'AAB' | 'TXD' | 'BAR' | 'AAI';

/**
 * BG-1 notes (BR-FR-05: PMD, PMT and AAB required, each once): late penalties, the 40 € recovery
 * indemnity, the discount; the debits option (TXD); the processing (BAR: B2B when the buyer is a
 * French business); the free note.
 */
export function legalNotes(doc: InvoiceDocument): { subject: NoteSubject; text: string }[] {
  const notes: { subject: NoteSubject; text: string }[] = [
    { subject: 'PMD', text: doc.latePenaltyText },
    { subject: 'PMT', text: doc.recoveryIndemnityText ?? doc.latePenaltyText },
    { subject: 'AAB', text: doc.discountText },
  ];
  if (vatOnDebits(doc)) notes.push({ subject: 'TXD', text: DEBITS_TEXT });
  if (sirenOf(doc.buyer) && countryOf(doc.buyer) === 'FR') notes.push({ subject: 'BAR', text: 'B2B' });
  if (doc.note) notes.push({ subject: 'AAI', text: doc.note });
  return notes;
}

/** BT-134/135: what a line bills, by default the day it happened. */
export function linePeriod(line: InvoiceLine): { start: LocalDate; end: LocalDate } {
  return { start: line.periodStart ?? line.date, end: line.periodEnd ?? line.periodStart ?? line.date };
}

/**
 * BT-130 (UN/ECE Rec. 20). The half-day and the quarter-hour have no code: they are counted as
 * "one" (C62), the unit's name stays in the item description, quantity and price as printed.
 */
export function unitCode(unit: string): string {
  switch (unit) {
    case 'heure':
      return 'HUR';
    case 'journée':
      return 'DAY';
    case 'u.':
      return 'H87';
    case 'kg':
      return 'KGM';
    case 'forfait':
      return 'LS';
    default:
      return 'C62';
  }
}

/** Cents as an EN 16931 amount: "1234.56", "-0.05". */
export function amount(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`not an amount in cents: ${cents}`);
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A quantity with at most 4 decimals (BR-FR-DEC-02): "37.5", "2". */
export function quantity(q: number): string {
  const s = q.toFixed(4).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/** A VAT rate in basis points as a percentage: 2000 → "20", 550 → "5.5", 105 → "1.05". */
export function percent(bp: number): string {
  const frac = bp % 100;
  return `${Math.floor(bp / 100)}${frac ? `.${String(frac).padStart(2, '0').replace(/0$/, '')}` : ''}`;
}

/** A Paris calendar date as CII format 102: "20260331". */
export const date102 = (d: LocalDate): string => d.replaceAll('-', '');

/** BT-151: standard rate, or exempt when the contract bills no VAT. */
export function vatCategory(rateBp: number): { code: 'S' | 'E'; exemption?: string } {
  return rateBp > 0 ? { code: 'S' } : { code: 'E', exemption: 'Exonération de TVA' };
}

/** The sign that makes a credit note's amounts positive, as type 381 expects. */
export const documentSign = (doc: InvoiceDocument): 1 | -1 => (doc.kind === 'credit_note' ? -1 : 1);

/** BT-81 (UNCL 4461): 59 SEPA direct debit, 58 SEPA credit transfer. */
export function isDirectDebit(doc: InvoiceDocument): boolean {
  return doc.paymentMethod ? doc.paymentMethod === 'direct_debit' : /^Prélèvement/.test(doc.paymentTerms);
}
