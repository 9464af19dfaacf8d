import { addDays, addMonths, assertLocalDate, type LocalDate, VigieError } from '@vigie/shared';

export interface ContractTerm {
  /** 0 for the initial year, then one per tacit renewal. */
  index: number;
  start: LocalDate;
  /** Last day of the term, inclusive. */
  end: LocalDate;
}

/**
 * Contract 6: one year from signature, tacitly renewed each year. The term running on `on`
 * (the first one when `on` precedes the start).
 */
export function termOn(startDate: LocalDate, termMonths: number, on: LocalDate): ContractTerm {
  assertLocalDate(startDate);
  assertLocalDate(on);
  let index = 0;
  if (on > startDate) {
    const [sy, sm] = startDate.split('-').map(Number) as [number, number];
    const [oy, om] = on.split('-').map(Number) as [number, number];
    index = Math.max(0, Math.floor(((oy - sy) * 12 + (om - sm)) / termMonths) - 1);
    while (addMonths(startDate, (index + 1) * termMonths) <= on) index++;
  }
  return { index, start: addMonths(startDate, index * termMonths), end: addDays(addMonths(startDate, (index + 1) * termMonths), -1) };
}

/**
 * Contract 6: either party ends the contract by a notice with at least `noticeMonths` (3) months'
 * notice. The notice period runs from its reception; the contract is in force up to and including
 * the day it expires. A later end date may be asked for; an earlier one is refused.
 */
export function noticeEndDate(receivedOn: LocalDate, noticeMonths: number, requestedEnd?: LocalDate): LocalDate {
  assertLocalDate(receivedOn);
  if (!Number.isInteger(noticeMonths) || noticeMonths < 3) throw new VigieError('VALIDATION', 'Le préavis est d’au moins trois mois (art. 6)');
  const earliest = addMonths(receivedOn, noticeMonths);
  if (requestedEnd === undefined) return earliest;
  assertLocalDate(requestedEnd);
  if (requestedEnd < earliest)
    throw new VigieError(
      'VALIDATION',
      `Fin demandée au ${requestedEnd} : le préavis de ${noticeMonths} mois reçu le ${receivedOn} court jusqu’au ${earliest} (art. 6)`,
    );
  return requestedEnd;
}
