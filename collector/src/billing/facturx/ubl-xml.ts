/**
 * The same invoice as OASIS UBL 2.1 (EN 16931 syntax binding), for platforms that prefer UBL to
 * CII: an Invoice, or a CreditNote with positive amounts. Built from the frozen InvoiceDocument with
 * the mentions of mentions.ts, so it says what the Factur-X PDF and its CII say. Element order
 * follows the UBL 2.1 schemas. Notes carry their subject code as "#CODE#text" (EN 16931 UBL usage).
 */
import type { InvoiceDocument, InvoiceLine, LegalIdentity } from '../invoice-document.js';
import { lineDescription } from './cii-xml.js';
import {
  amount,
  businessProcess,
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

const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';

const money = (name: string, cents: number) => leaf(name, amount(cents), { currencyID: 'EUR' });
const vatScheme = () => node('cac:TaxScheme', [leaf('cbc:ID', 'VAT')]);

function addressNode(who: LegalIdentity): XmlNode {
  const a = postalAddress(who);
  const [one, two, ...rest] = a.lines;
  return node('cac:PostalAddress', [
    leaf('cbc:StreetName', one),
    leaf('cbc:AdditionalStreetName', two),
    leaf('cbc:CityName', a.city),
    leaf('cbc:PostalZone', a.postcode),
    rest.length ? node('cac:AddressLine', [leaf('cbc:Line', rest.join(', '))]) : undefined,
    node('cac:Country', [leaf('cbc:IdentificationCode', a.country)]),
  ]);
}

function party(who: LegalIdentity, o: { seller: boolean; clientId?: number }): XmlNode {
  const address = electronicAddress(who);
  const siret = siretOf(who);
  const vat = who.vatNumber?.replace(/\s/g, '');
  return node('cac:Party', [
    address ? leaf('cbc:EndpointID', address.id, { schemeID: address.scheme }) : undefined, // BT-34/49
    o.clientId !== undefined ? node('cac:PartyIdentification', [leaf('cbc:ID', String(o.clientId))]) : undefined, // BT-46
    siret ? node('cac:PartyIdentification', [leaf('cbc:ID', siret, { schemeID: '0009' })]) : undefined, // BT-29/46
    addressNode(who),
    vat ? node('cac:PartyTaxScheme', [leaf('cbc:CompanyID', vat), vatScheme()]) : undefined, // BT-31/48
    node('cac:PartyLegalEntity', [
      leaf('cbc:RegistrationName', who.name),
      leaf('cbc:CompanyID', sirenOf(who), { schemeID: '0002' }), // BT-30/47
      o.seller ? leaf('cbc:CompanyLegalForm', [who.legalForm, who.rcs].filter(Boolean).join(' — ')) : undefined, // BT-33
    ]),
    o.seller ? node('cac:Contact', [leaf('cbc:Telephone', who.phone), leaf('cbc:ElectronicMail', who.email)]) : undefined,
  ]);
}

function line(doc: InvoiceDocument, l: InvoiceLine, index: number, credit: boolean): XmlNode {
  const sign = documentSign(doc);
  const vat = vatCategory(doc.vatRateBp);
  const period = linePeriod(l);
  return node(credit ? 'cac:CreditNoteLine' : 'cac:InvoiceLine', [
    leaf('cbc:ID', String(index + 1)),
    l.ticketRef ? leaf('cbc:Note', `Ticket ${l.ticketRef}`) : undefined,
    leaf(credit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity', quantity(l.quantity), { unitCode: unitCode(l.unit) }),
    money('cbc:LineExtensionAmount', sign * l.amountCents),
    node('cac:InvoicePeriod', [leaf('cbc:StartDate', period.start), leaf('cbc:EndDate', period.end)]), // BT-134/135
    node('cac:Item', [
      leaf('cbc:Description', lineDescription(l)),
      leaf('cbc:Name', l.label),
      node('cac:ClassifiedTaxCategory', [leaf('cbc:ID', vat.code), leaf('cbc:Percent', percent(doc.vatRateBp)), vatScheme()]),
    ]),
    node('cac:Price', [money('cbc:PriceAmount', Math.abs(l.unitPriceCents))]),
  ]);
}

export function invoiceUbl(doc: InvoiceDocument): string {
  const credit = doc.kind === 'credit_note';
  const sign = documentSign(doc);
  const vat = vatCategory(doc.vatRateBp);
  const lineTotal = doc.lines.reduce((s, l) => s + l.amountCents, 0);
  const debit = isDirectDebit(doc);
  const paymentMeans =
    !credit && (debit || doc.bank)
      ? node('cac:PaymentMeans', [
          leaf('cbc:PaymentMeansCode', debit ? '59' : '58', { name: debit ? 'Prélèvement SEPA' : 'Virement SEPA' }),
          leaf('cbc:PaymentID', doc.number), // BT-83
          doc.bank
            ? node('cac:PayeeFinancialAccount', [
                leaf('cbc:ID', doc.bank.iban.replace(/\s/g, '').toUpperCase()),
                node('cac:FinancialInstitutionBranch', [leaf('cbc:ID', doc.bank.bic)]),
              ])
            : undefined,
        ])
      : undefined;
  return xmlDocument(
    node(
      credit ? 'CreditNote' : 'Invoice',
      [
        leaf('cbc:CustomizationID', EN16931_GUIDELINE),
        leaf('cbc:ProfileID', businessProcess(doc)), // BT-23
        leaf('cbc:ID', doc.number),
        leaf('cbc:IssueDate', doc.issuedOn),
        credit ? undefined : leaf('cbc:DueDate', doc.dueOn), // BT-9 (a 2.1 credit note has no DueDate)
        leaf(credit ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode', documentTypeCode(doc)),
        ...legalNotes(doc).map((n) => leaf('cbc:Note', `#${n.subject}#${n.text}`)),
        leaf('cbc:DocumentCurrencyCode', 'EUR'),
        node('cac:InvoicePeriod', [
          leaf('cbc:StartDate', doc.periodStart),
          leaf('cbc:EndDate', doc.periodEnd),
          leaf('cbc:DescriptionCode', vatOnDebits(doc) ? '3' : undefined), // BT-8: VAT due on the invoice date (debits)
        ]),
        doc.correctsNumber
          ? node('cac:BillingReference', [
              node('cac:InvoiceDocumentReference', [leaf('cbc:ID', doc.correctsNumber), leaf('cbc:IssueDate', doc.correctsIssuedOn)]), // BT-25/26
            ])
          : undefined,
        node('cac:AccountingSupplierParty', [party(doc.seller, { seller: true })]),
        node('cac:AccountingCustomerParty', [party(doc.buyer, { seller: false, clientId: doc.buyer.clientId })]),
        paymentMeans,
        node('cac:PaymentTerms', [leaf('cbc:Note', doc.paymentTerms)]), // BT-20
        node('cac:TaxTotal', [
          money('cbc:TaxAmount', sign * doc.vatCents),
          node('cac:TaxSubtotal', [
            money('cbc:TaxableAmount', sign * doc.totalExclTaxCents),
            money('cbc:TaxAmount', sign * doc.vatCents),
            node('cac:TaxCategory', [
              leaf('cbc:ID', vat.code),
              leaf('cbc:Percent', percent(doc.vatRateBp)),
              leaf('cbc:TaxExemptionReason', vat.exemption),
              vatScheme(),
            ]),
          ]),
        ]),
        node('cac:LegalMonetaryTotal', [
          money('cbc:LineExtensionAmount', sign * lineTotal),
          money('cbc:TaxExclusiveAmount', sign * doc.totalExclTaxCents),
          money('cbc:TaxInclusiveAmount', sign * doc.totalInclTaxCents),
          money('cbc:PayableAmount', sign * doc.totalInclTaxCents),
        ]),
        ...doc.lines.map((l, i) => line(doc, l, i, credit)),
      ],
      {
        xmlns: credit ? 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2' : 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
        'xmlns:cac': CAC,
        'xmlns:cbc': CBC,
      },
    ),
  );
}
