import type { BillingExecutor, InvoiceRepository, InvoiceRow } from './repository.js';

/**
 * The next number of an invoice (F2026-0001) or credit note (AV2026-0001): gap-free per kind and
 * year. Read and used inside the transaction that writes the document, so that two issues at once
 * never take the same number: issuers take turns (`lockNumbering`; SQLite's one writer already does), and
 * the table's UNIQUE (kind, year, seq) would refuse the second anyway.
 */
export async function nextNumber(
  invoices: InvoiceRepository,
  kind: InvoiceRow['kind'],
  year: number,
  tx: BillingExecutor,
): Promise<{ seq: number; number: string }> {
  await invoices.lockNumbering(tx);
  const seq = (await invoices.lastSeq(kind, year, tx)) + 1;
  return { seq, number: `${kind === 'invoice' ? 'F' : 'AV'}${year}-${String(seq).padStart(4, '0')}` };
}
