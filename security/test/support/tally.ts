import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Each attack the suite makes is a case; a case is refused when the collector or the agent did not
 * let it through. run.mjs adds them up (`N cases, N refused`). A test records what it attempted and
 * then asserts that every case was refused: a case let through fails the test and shows in the totals.
 */
export class Tally {
  cases = 0;
  refused = 0;
  readonly letThrough: string[] = [];

  constructor(readonly area: string) {}

  /** One attack: `refused` says whether it was stopped; `what` names it when it was not. */
  add(refused: boolean, what: string): void {
    this.cases++;
    if (refused) this.refused++;
    else this.letThrough.push(what);
  }

  /** The cases let through since the last call (each test asserts its own are none). */
  takeLetThrough(): string[] {
    return this.letThrough.splice(0);
  }

  /** Writes the area's figures for run.mjs (called once per test file, in afterAll). */
  flush(): void {
    const dir = process.env.VIGIE_SEC_TALLY;
    if (!dir || this.cases === 0) return;
    appendFileSync(join(dir, 'cases.jsonl'), `${JSON.stringify({ area: this.area, cases: this.cases, refused: this.refused })}\n`);
    this.cases = 0;
    this.refused = 0;
  }
}
