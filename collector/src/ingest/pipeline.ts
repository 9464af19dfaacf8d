import type { StoreHealth } from '../store/health.js';
import type { CommitEffects, FrameSink, IngestWriter, PendingFrame } from './frame.js';

export interface PipelineStats {
  framesCommitted: number;
  valuesCommitted: number;
  batches: number;
  commitErrors: number;
  lastBatchFrames: number;
  pendingFrames: number;
  /** Frames not committed because the store was full or damaged (their senders keep them). */
  framesRefusedByStore: number;
}

interface Item {
  frame: PendingFrame;
  sink?: FrameSink;
  /** The sink's generation when the frame was queued: a refusal since makes it stale. */
  gen: number;
}

/**
 * Group commit: frames read during one turn of the event loop are committed in one transaction,
 * then each sender is told its highest committed seq. Frames arriving during a commit wait for
 * the next one. A failing batch is retried frame by frame so one bad frame cannot hold back
 * others, except when the store itself is full or damaged: then no frame of the batch can be
 * stored, every sender is told to wait, and the trouble is reported once (StoreHealth).
 */
export class IngestPipeline {
  private pending: Item[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  readonly stats: PipelineStats = {
    framesCommitted: 0,
    valuesCommitted: 0,
    batches: 0,
    commitErrors: 0,
    lastBatchFrames: 0,
    pendingFrames: 0,
    framesRefusedByStore: 0,
  };

  private lastCommitAt = 0;

  constructor(
    private readonly writer: IngestWriter,
    private readonly onEffects: (effects: CommitEffects) => void = () => {},
    private readonly maxBatchFrames = 5000,
    private readonly health?: StoreHealth,
    /**
     * Commits start at least this far apart: each commit waits for the disk (fsync) on the event
     * loop, so under load frames arriving meanwhile share the next one (at 10,000 agents, ~175
     * commits a second of ~6 frames became ~70 of ~15). An idle pipeline commits at once.
     */
    private readonly minCommitIntervalMs = 15,
  ) {}

  enqueue(frame: PendingFrame, sink?: FrameSink): void {
    this.pending.push({ frame, sink, gen: sink?.generation ?? 0 });
    this.stats.pendingFrames = this.pending.length;
    if (!this.scheduled && !this.running) this.schedule();
  }

  private schedule(): void {
    this.scheduled = true;
    const wait = this.lastCommitAt + this.minCommitIntervalMs - performance.now();
    if (wait > 1 && this.pending.length < this.maxBatchFrames) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
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
    this.lastCommitAt = performance.now();
    this.running = this.commitBatch(batch).finally(() => {
      this.running = undefined;
      if (this.pending.length > 0 && !this.scheduled) this.schedule();
    });
  }

  /** Frames whose sender had a refusal since they were queued are not committed: they come again. */
  private current(batch: Item[]): Item[] {
    const live: Item[] = [];
    for (const item of batch) {
      if (!item.sink || item.sink.generation === item.gen) live.push(item);
      else item.frame.onSettled?.(false);
    }
    return live;
  }

  private async commitBatch(all: Item[]): Promise<void> {
    const batch = this.current(all);
    if (batch.length === 0) return;
    const now = Date.now();
    try {
      const effects = await this.writer.commit(
        batch.map((b) => b.frame),
        now,
      );
      this.done(batch);
      this.onEffects(effects);
      return;
    } catch (err) {
      this.stats.commitErrors++;
      const trouble = this.health?.classify(err) ?? 'other';
      if (trouble !== 'other') {
        this.health?.writeFailed(err, 'agent frames');
        this.refuse(batch, trouble);
        return;
      }
    }
    // Frame by frame. Acks are cumulative: once a sender has a refused frame, its later frames
    // must not commit either (they come back after it reconnects); the sink's generation says so.
    for (const item of batch) {
      if (item.sink && item.sink.generation !== item.gen) {
        item.frame.onSettled?.(false);
        continue;
      }
      try {
        const effects = await this.writer.commit([item.frame], now);
        this.done([item]);
        this.onEffects(effects);
      } catch (err) {
        const trouble = this.health?.classify(err) ?? 'other';
        if (trouble !== 'other') {
          this.health?.writeFailed(err, 'agent frames');
          this.refuse(this.current(batch.slice(batch.indexOf(item))), trouble);
          return;
        }
        item.frame.onSettled?.(false);
        item.sink?.failed(item.frame.msg.seq, err as Error);
      }
    }
  }

  private refuse(items: Item[], trouble: 'full' | 'damaged'): void {
    const told = new Set<FrameSink>();
    for (const { frame, sink } of items) {
      frame.onSettled?.(false);
      if (frame.msg.type === 'spool-report') continue;
      this.stats.framesRefusedByStore++;
      this.health?.frameRefused();
      if (sink && !told.has(sink)) {
        told.add(sink);
        sink.storeRefused(trouble);
      }
    }
  }

  private done(batch: Item[]): void {
    this.stats.batches++;
    this.stats.lastBatchFrames = batch.length;
    const highest = new Map<FrameSink, number>();
    for (const { frame, sink } of batch) {
      frame.onSettled?.(true);
      if (frame.msg.type === 'spool-report' || !sink) continue;
      this.stats.framesCommitted++;
      this.stats.valuesCommitted += frame.values;
      const h = highest.get(sink);
      if (h === undefined || frame.msg.seq > h) highest.set(sink, frame.msg.seq);
    }
    for (const [sink, seq] of highest) sink.committed(seq);
  }
}
