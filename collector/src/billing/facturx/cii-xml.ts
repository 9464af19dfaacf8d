/**
 * The CII XML (UN/CEFACT Cross Industry Invoice D16B) of an invoice or a credit note in the Factur-X
 * EN 16931 profile, with the French reform's data (XP Z12-012, BR-FR rules): built from the frozen
 * InvoiceDocument and nothing else, the same one the PDF is drawn from. Element order follows the
 * Factur-X 1.09 EN 16931 schema. A credit note is type 381 with positive amounts.
 */
import type { InvoiceDocument, InvoiceLine, LegalIdentity } from '../invoice-document.js';
import {
  amount,
  businessProcess,
  date102,
  documentSign,
  documentTypeCode,
  EN16931_GUIDELINE,
  electronicAddress,
  isDirectDebit,
  legalNotes,
  linePeriod,
  percent,
  postalAddress,
  quantity,
  sirenOf,
  siretOf,
  unitCode,
  vatCategory,
  vatOnDebits,
} from './mentions.js';
import { leaf, node, type XmlNode, xmlDocument } from './xml.js';

const NS = {
  'xmlns:rsm': 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  'xmlns:qdt': 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  'xmlns:ram': 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  'xmlns:udt': 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};

const dateTime = (name: string, d: string | undefined): XmlNode =>
  d === undefined ? undefined : node(name, [leaf('udt:DateTimeString', date102(d), { format: '102' })]);

/** The address lines beyond the third are kept, joined into the third (the schema has three). */
function addressNode(who: LegalIdentity): XmlNode {
  const a = postalAddress(who);
  const [one, two, ...rest] = a.lines;
  return node('ram:PostalTradeAddress', [
    leaf('ram:PostcodeCode', a.postcode),
    leaf('ram:LineOne', one),
    leaf('ram:LineTwo', two),
    leaf('ram:LineThree', rest.length ? rest.join(', ') : undefined),
    leaf('ram:CityName', a.city),
    leaf('ram:CountryID', a.country),
  ]);
}

/** BG-4 seller / BG-7 buyer. */
function party(tag: 'ram:SellerTradeParty' | 'ram:BuyerTradeParty', who: LegalIdentity, clientId?: number): XmlNode {
  const seller = tag === 'ram:SellerTradeParty';
  const siret = siretOf(who);
  const address = electronicAddress(who);
  return node(tag, [
    clientId === undefined ? undefined : leaf('ram:ID', String(clientId)), // BT-46: the client code printed on the PDF
    leaf('ram:GlobalID', siret, { schemeID: '0009' }), // BT-29/46: SIRET
    leaf('ram:Name', who.name),
    seller ? leaf('ram:Description', [who.legalForm, who.rcs].filter(Boolean).join(' — ')) : undefined, // BT-33
    node('ram:SpecifiedLegalOrganization', [leaf('ram:ID', sirenOf(who), { schemeID: '0002' })]), // BT-30/47: SIREN
    seller
      ? node('ram:DefinedTradeContact', [
          node('ram:TelephoneUniversalCommunication', [leaf('ram:CompleteNumber', who.phone)]),
          node('ram:EmailURIUniversalCommunication', [leaf('ram:URIID', who.email)]),
        ])
      : undefined,
    addressNode(who),
    address ? node('ram:URIUniversalCommunication', [leaf('ram:URIID', address.id, { schemeID: address.scheme })]) : undefined, // BT-34/49
    node('ram:SpecifiedTaxRegistration', [leaf('ram:ID', who.vatNumber?.replace(/\s/g, ''), { schemeID: 'VA' })]), // BT-31/48
  ]);
}

/** BT-154: the line's detail, and the unit's name when Rec. 20 has no code for it. */
export function lineDescription(l: InvoiceLine): string | undefined {
  const parts = [l.detail, unitCode(l.unit) === 'C62' ? `Unité : ${l.unit}` : undefined].filter(Boolean);
  return parts.length ? parts.join(' — ') : undefined;
}

function lineItem(doc: InvoiceDocument, l: InvoiceLine, index: number): XmlNode {
  const sign = documentSign(doc);
  const vat = vatCategory(doc.vatRateBp);
  const period = linePeriod(l);
  return node('ram:IncludedSupplyChainTradeLineItem', [
    node('ram:AssociatedDocumentLineDocument', [
      leaf('ram:LineID', String(index + 1)),
      l.ticketRef ? node('ram:IncludedNote', [leaf('ram:Content', `Ticket ${l.ticketRef}`)]) : undefined,
    ]),
    node('ram:SpecifiedTradeProduct', [leaf('ram:Name', l.label), leaf('ram:Description', lineDescription(l))]),
    // BR-27: a price is never negative; a credit note's sign is in its type (381), not in its prices.
    node('ram:SpecifiedLineTradeAgreement', [node('ram:NetPriceProductTradePrice', [leaf('ram:ChargeAmount', amount(Math.abs(l.unitPriceCents)))])]),
    node('ram:SpecifiedLineTradeDelivery', [leaf('ram:BilledQuantity', quantity(l.quantity), { unitCode: unitCode(l.unit) })]),
    node('ram:SpecifiedLineTradeSettlement', [
      node('ram:ApplicableTradeTax', [
        leaf('ram:TypeCode', 'VAT'),
        leaf('ram:CategoryCode', vat.code),
        leaf('ram:RateApplicablePercent', percent(doc.vatRateBp)),
      ]),
      node('ram:BillingSpecifiedPeriod', [dateTime('ram:StartDateTime', period.start), dateTime('ram:EndDateTime', period.end)]), // BT-134/135
      node('ram:SpecifiedTradeSettlementLineMonetarySummation', [leaf('ram:LineTotalAmount', amount(sign * l.amountCents))]),
    ]),
  ]);
}

/**
 * BG-16, one payment means (CII-SR-467): the contract's direct debit (59) or a SEPA transfer (58),
 * with the provider's account when known (BT-84, printed under "Coordonnées bancaires").
 */
function paymentMeans(doc: InvoiceDocument): XmlNode {
  if (doc.kind === 'credit_note') return undefined;
  const debit = isDirectDebit(doc);
  if (!debit && !doc.bank) return undefined;
  return node('ram:SpecifiedTradeSettlementPaymentMeans', [
    leaf('ram:TypeCode', debit ? '59' : '58'),
    leaf('ram:Information', debit ? 'Prélèvement SEPA' : 'Virement SEPA'),
    doc.bank ? node('ram:PayeePartyCreditorFinancialAccount', [leaf('ram:IBANID', doc.bank.iban.replace(/\s/g, '').toUpperCase())]) : undefined,
    doc.bank ? node('ram:PayeeSpecifiedCreditorFinancialInstitution', [leaf('ram:BICID', doc.bank.bic)]) : undefined,
  ]);
}

export function invoiceCii(doc: InvoiceDocument): string {
  const sign = documentSign(doc);
  const vat = vatCategory(doc.vatRateBp);
  const lineTotal = doc.lines.reduce((s, l) => s + l.amountCents, 0);
  return xmlDocument(
    node(
      'rsm:CrossIndustryInvoice',
      [
        node('rsm:ExchangedDocumentContext', [
          node('ram:BusinessProcessSpecifiedDocumentContextParameter', [leaf('ram:ID', businessProcess(doc))]), // BT-23
          node('ram:GuidelineSpecifiedDocumentContextParameter', [leaf('ram:ID', EN16931_GUIDELINE)]), // BT-24
        ]),
        node('rsm:ExchangedDocument', [
          leaf('ram:ID', doc.number),
          leaf('ram:TypeCode', documentTypeCode(doc)),
          dateTime('ram:IssueDateTime', doc.issuedOn),
          ...legalNotes(doc).map((n) => node('ram:IncludedNote', [leaf('ram:Content', n.text), leaf('ram:SubjectCode', n.subject)])),
        ]),
        node('rsm:SupplyChainTradeTransaction', [
          ...doc.lines.map((l, i) => lineItem(doc, l, i)),
          node('ram:ApplicableHeaderTradeAgreement', [party('ram:SellerTradeParty', doc.seller), party('ram:BuyerTradeParty', doc.buyer, doc.buyer.clientId)]),
          // Required by the schema; nothing to say for services billed monthly (no delivery date, no ship-to).
          { name: 'ram:ApplicableHeaderTradeDelivery', attrs: {}, children: [] },
          node('ram:ApplicableHeaderTradeSettlement', [
            doc.kind === 'invoice' ? leaf('ram:PaymentReference', doc.number) : undefined, // BT-83
            leaf('ram:InvoiceCurrencyCode', 'EUR'),
            paymentMeans(doc),
            node('ram:ApplicableTradeTax', [
              leaf('ram:CalculatedAmount', amount(sign * doc.vatCents)),
              leaf('ram:TypeCode', 'VAT'),
              leaf('ram:ExemptionReason', vat.exemption),
              leaf('ram:BasisAmount', amount(sign * doc.totalExclTaxCents)),
              leaf('ram:CategoryCode', vat.code),
              leaf('ram:DueDateTypeCode', vatOnDebits(doc) ? '5' : undefined), // BT-8: VAT due on the invoice date (debits)
              leaf('ram:RateApplicablePercent', percent(doc.vatRateBp)),
            ]),
            node('ram:BillingSpecifiedPeriod', [dateTime('ram:StartDateTime', doc.periodStart), dateTime('ram:EndDateTime', doc.periodEnd)]), // BT-73/74
            node('ram:SpecifiedTradePaymentTerms', [leaf('ram:Description', doc.paymentTerms), dateTime('ram:DueDateDateTime', doc.dueOn)]), // BT-20, BT-9
            node('ram:SpecifiedTradeSettlementHeaderMonetarySummation', [
              leaf('ram:LineTotalAmount', amount(sign * lineTotal)),
              leaf('ram:TaxBasisTotalAmount', amount(sign * doc.totalExclTaxCents)),
              leaf('ram:TaxTotalAmount', amount(sign * doc.vatCents), { currencyID: 'EUR' }),
              leaf('ram:GrandTotalAmount', amount(sign * doc.totalInclTaxCents)),
              leaf('ram:DuePayableAmount', amount(sign * doc.totalInclTaxCents)),
            ]),
            doc.correctsNumber
              ? node('ram:InvoiceReferencedDocument', [
                  leaf('ram:IssuerAssignedID', doc.correctsNumber), // BT-25
                  doc.correctsIssuedOn
                    ? node('ram:FormattedIssueDateTime', [leaf('qdt:DateTimeString', date102(doc.correctsIssuedOn), { format: '102' })])
                    : undefined, // BT-26
                ])
              : undefined,
          ]),
        ]),
      ],
      NS,
    ),
  );
}
