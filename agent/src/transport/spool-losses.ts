/**
 * What the spool lost, exactly: every frame the agent produced is delivered, still pending, or
 * counted here once. Kept in the ledger and reported to the collector outside the spool.
 *
 * A record removed by the size limit before it was ever sent is lost for sure. One removed after
 * it was sent (or that a previous process may have sent before a crash) is "in doubt": the
 * collector may have committed it and its ack never arrived. The collector acknowledges a new
 * connection only once everything received before is committed, so the first ack of a connection
 * settles every doubt: at or below it the record arrived, above it it did not and never will.
 */

import { MAX_SPOOL_DROPS_REPORTED, type SpoolDrop } from '@vigie/shared';
import type { LedgerState, SeqRun } from './spool-ledger.js';

/** Beyond this many runs of in-doubt seqs (each gap is a frame that was never written), the oldest are settled as lost. */
const MAX_DOUBT_RUNS = 512;

export function runsFrames(runs: readonly SeqRun[]): number {
  let n = 0;
  for (const r of runs) n += r.to - r.from + 1;
  return n;
}

/** Adds seq to ascending runs, extending the last run when consecutive. */
export function pushSeq(runs: SeqRun[], seq: number): void {
  const last = runs[runs.length - 1];
  if (last && last.to + 1 === seq) last.to = seq;
  else runs.push({ from: seq, to: seq });
}

export class SpoolLosses {
  constructor(
    private readonly state: LedgerState,
    private readonly warn: (message: string) => void,
  ) {}

  get inDoubtFrames(): number {
    return runsFrames(this.state.doubt);
  }

  /** Frames that could not be written: lost now. */
  unspooled(seqs: SeqRun[], now: number): void {
    const frames = runsFrames(seqs);
    if (frames === 0) return;
    this.state.unspooledFrames += frames;
    this.record('disk-full', seqs, frames, now);
  }

  /** Records removed by the size limit: those never sent are lost now, the others wait for the next first ack. */
  evicted(seqs: SeqRun[], maySentThrough: number, now: number): void {
    const lost: SeqRun[] = [];
    for (const r of seqs) {
      if (r.from > maySentThrough) lost.push({ ...r });
      else if (r.to <= maySentThrough) this.doubt(r);
      else {
        this.doubt({ from: r.from, to: maySentThrough });
        lost.push({ from: maySentThrough + 1, to: r.to });
      }
    }
    const frames = runsFrames(lost);
    if (frames === 0) return;
    this.state.droppedFrames += frames;
    this.record('spool-full', lost, frames, now);
  }

  /**
   * An acknowledgement of `ackSeq`: in-doubt records at or below it arrived. On the first ack of a
   * connection (`final`), those above it did not: they are counted as lost.
   */
  settle(ackSeq: number, final: boolean, now: number): { arrived: number; lost: number } {
    const lost: SeqRun[] = [];
    const kept: SeqRun[] = [];
    let arrived = 0;
    for (const r of this.state.doubt) {
      if (r.to <= ackSeq) {
        arrived += r.to - r.from + 1;
        continue;
      }
      if (r.from <= ackSeq) arrived += ackSeq - r.from + 1;
      const rest = { from: Math.max(r.from, ackSeq + 1), to: r.to };
      (final ? lost : kept).push(rest);
    }
    this.state.doubt = kept;
    const frames = runsFrames(lost);
    if (frames > 0) {
      this.state.droppedFrames += frames;
      this.record('spool-full', lost, frames, now);
    }
    return { arrived, lost: frames };
  }

  private doubt(run: SeqRun): void {
    const runs = this.state.doubt;
    const last = runs[runs.length - 1];
    if (last && last.to + 1 === run.from) last.to = run.to;
    else runs.push({ ...run });
    if (runs.length > MAX_DOUBT_RUNS) {
      const oldest = runs.splice(0, runs.length - MAX_DOUBT_RUNS);
      const frames = runsFrames(oldest);
      this.warn(`${frames} in-doubt frames in ${oldest.length} runs counted as lost without waiting for the collector (too many runs to keep)`);
      this.state.droppedFrames += frames;
      this.record('spool-full', oldest, frames, Date.now());
    }
  }

  private record(reason: SpoolDrop['reason'], runs: SeqRun[], frames: number, now: number): void {
    const drops = this.state.drops;
    this.state.lastDropId++;
    drops.push({ id: this.state.lastDropId, reason, frames, fromSeq: runs[0]!.from, toSeq: runs[runs.length - 1]!.to, at: now });
    if (drops.length > MAX_SPOOL_DROPS_REPORTED) drops.splice(0, drops.length - MAX_SPOOL_DROPS_REPORTED);
  }
}
