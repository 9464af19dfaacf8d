import { contractRefusal } from '@vigie/shared';

/** A refusal under the contract's rules, said in French as the contract says it. */
export function fail(message: string): never {
  throw contractRefusal(message);
}
