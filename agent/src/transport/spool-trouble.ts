import type { Log } from '../log.js';
import type { SpoolWriteError } from './spool.js';

/** One summary line at most this often while frames keep failing to be written. */
const SUMMARY_EVERY_MS = 60_000;

/**
 * Says loudly, but once and then in summaries, that frames cannot be written to the spool (a full
 * disk produces one failure per frame), and says when writing works again. The frames themselves
 * are counted by the spool and reported to the collector.
 */
export class SpoolTrouble {
  private failing = false;
  private since = 0;
  private total = 0;
  private sinceSummary = 0;
  private lastSummaryAt = 0;

  constructor(
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  failed(err: SpoolWriteError): void {
    this.total++;
    this.sinceSummary++;
    const now = this.now();
    if (!this.failing) {
      this.failing = true;
      this.since = now;
      this.lastSummaryAt = now;
      this.sinceSummary = 0;
      this.log.error('frames cannot be written to the spool: they are counted as lost and reported to the collector; the agent goes on', {
        code: err.code,
        seq: err.seq,
        err: err.message,
      });
      return;
    }
    if (now - this.lastSummaryAt >= SUMMARY_EVERY_MS) {
      this.log.error('frames still cannot be written to the spool', { code: err.code, framesSinceLastMessage: this.sinceSummary, framesInAll: this.total });
      this.lastSummaryAt = now;
      this.sinceSummary = 0;
    }
  }

  recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log.warn('the spool can be written again', { framesNotWritten: this.total, forMs: this.now() - this.since });
    this.total = 0;
  }
}
