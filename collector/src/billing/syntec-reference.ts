import { daysBetween, type LocalDate, refusal } from '@vigie/shared';
import { SYNTEC_S0_2019 } from './price-revision.js';

/** Syntec publishes monthly: at signature, the index of reference is one of the last three months'. */
export const SYNTEC_REFERENCE_MAX_AGE_DAYS = 93;

/** The contract's own example of a reference (art. 5.2: "274,7 le 31/10/2019"). */
export const CONTRACT_EXAMPLE_REFERENCE = { publishedOn: '2019-10-31', value: SYNTEC_S0_2019 } as const;

/**
 * Contract 5.2: S0, the Syntec index known on the signature date — the last one published on or
 * before it among those entered (and the contract's own 2019 example). Refused rather than guessed
 * when none was published in the three months before: a 2026 contract must not get the 2019 index.
 */
export function syntecReferenceAt(
  startDate: LocalDate,
  known: readonly { publishedOn: LocalDate; value: number }[],
): { value: number; publishedOn: LocalDate } {
  const candidates = [...known, CONTRACT_EXAMPLE_REFERENCE]
    .filter((k) => k.publishedOn <= startDate)
    .sort((a, b) => a.publishedOn.localeCompare(b.publishedOn));
  const last = candidates.at(-1);
  if (!last)
    throw refusal(
      'VALIDATION',
      'syntec_reference_unknown',
      `No Syntec index published on or before ${startDate} is known: enter the one of the signature`,
      { startDate },
      '/syntecIndex',
    );
  if (daysBetween(last.publishedOn, startDate) > SYNTEC_REFERENCE_MAX_AGE_DAYS)
    throw refusal(
      'VALIDATION',
      'syntec_reference_stale',
      `The last Syntec index known before ${startDate} was published on ${last.publishedOn}: enter the index of the signature (S0) and its date`,
      { startDate, publishedOn: last.publishedOn, value: last.value },
      '/syntecIndex',
    );
  return { value: last.value, publishedOn: last.publishedOn };
}
