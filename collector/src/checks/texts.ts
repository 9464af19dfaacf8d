import { describeCheck } from '@vigie/shared';

/** The check's sentence in each language the dashboard speaks: the catalogue's, else the agent's own message. */
export interface CheckTextPair {
  fr: string;
  en: string;
}

interface CheckRow {
  check: string;
  target: string;
  status: string;
  code: string;
  message: string;
  values: Record<string, unknown> | null;
}

/** A check state or result as the API returns it: the agent's `message` stays, `text` is what a reader is shown. */
export function withText<T extends CheckRow>(row: T): T & { text: CheckTextPair } {
  return { ...row, text: { fr: describeCheck(row, 'fr') ?? row.message, en: describeCheck(row, 'en') ?? row.message } };
}
