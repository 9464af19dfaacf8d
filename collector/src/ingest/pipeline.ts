import type { CommitEffects, FrameSink, IngestWriter, PendingFrame } from './frame.js';

export interface PipelineStats {
  framesCommitted: number;
  valuesCommitted: number;
  batches: number;
  commitErrors: number;
  lastBatchFrames: number;
  pendingFrames: number;
}

/**
 * Group commit: frames read during one turn of the event loop are committed in one transaction,
 * then each sender is told its highest committed seq. Frames arriving during a commit wait for
 * the next one. A failing batch is retried frame by frame so one bad frame cannot hold back others.
 */
export class IngestPipeline {
  private pending: { frame: PendingFrame; sink: FrameSink }[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  readonly stats: PipelineStats = { framesCommitted: 0, valuesCommitted: 0, batches: 0, commitErrors: 0, lastBatchFrames: 0, pendingFrames: 0 };

  constructor(
    private readonly writer: IngestWriter,
    private readonly onEffects: (effects: CommitEffects) => void = () => {},
    private readonly maxBatchFrames = 5000,
  ) {}

  enqueue(frame: PendingFrame, sink: FrameSink): void {
    this.pending.push({ frame, sink });
    this.stats.pendingFrames = this.pending.length;
    if (!this.scheduled && !this.running) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Resolves once everything enqueued so far is committed (or refused). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.running || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatchFrames);
    this.stats.pendingFrames = this.pending.length;
    this.running = this.commitBatch(batch).finally(() => {
      this.running = undefined;
      if (this.pending.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private async commitBatch(batch: { frame: PendingFrame; sink: FrameSink }[]): Promise<void> {
    const now = Date.now();
    try {
      const effects = await this.writer.commit(
        batch.map((b) => b.frame),
        now,
      );
      this.done(batch);
      this.onEffects(effects);
    } catch {
      this.stats.commitErrors++;
      // Acks are cumulative: once a sender has a refused frame, its later frames must not commit
      // either (they come back after it reconnects).
      const refused = new Set<FrameSink>();
      for (const item of batch) {
        if (refused.has(item.sink)) continue;
        try {
          const effects = await this.writer.commit([item.frame], now);
          this.done([item]);
          this.onEffects(effects);
        } catch (err) {
          refused.add(item.sink);
          item.sink.failed(item.frame.msg.seq, err as Error);
        }
      }
    }
  }

  private done(batch: { frame: PendingFrame; sink: FrameSink }[]): void {
    this.stats.batches++;
    this.stats.lastBatchFrames = batch.length;
    const highest = new Map<FrameSink, number>();
    for (const { frame, sink } of batch) {
      this.stats.framesCommitted++;
      this.stats.valuesCommitted += frame.values;
      const h = highest.get(sink);
      if (h === undefined || frame.msg.seq > h) highest.set(sink, frame.msg.seq);
    }
    for (const [sink, seq] of highest) sink.committed(seq);
  }
}
