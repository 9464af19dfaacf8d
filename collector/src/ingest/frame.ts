import type { AgentMessage } from '@vigie/shared';
import type { LiveEvent } from '../live/live-event.js';
import type { StoreTrouble } from '../store/health.js';

/** A validated agent message waiting to be committed (a `spool-report` is stored, not acknowledged). */
export interface PendingFrame {
  agentId: string;
  deviceId: number;
  msg: Exclude<AgentMessage, { type: 'hello' }>;
  receivedAt: number;
  /** Number of metric values, for batching and statistics. */
  values: number;
  /** With a hello's spool report: what the agent says of itself, stored in the same batch (one commit for many reconnecting agents). */
  hello?: { hostname: string; platform: string; arch: string; agentVersion: string };
  /**
   * Called once the batch holding this frame is settled, committed or not. Batches settle in
   * order, so this also says that everything enqueued before it is settled (hello's ack waits on it).
   */
  onSettled?: (committed: boolean) => void;
}

/** Who is told when a frame is committed or refused. */
export interface FrameSink {
  /**
   * Changes when the sender's queued frames must no longer be committed (a refusal: acks are
   * cumulative, so a later frame committed after a refused one would acknowledge the refused one).
   */
  readonly generation: number;
  committed(seq: number): void;
  failed(seq: number, error: Error): void;
  /** The store could not take the frame (full or damaged): the sender waits, nothing is lost. */
  storeRefused(trouble: StoreTrouble): void;
}

/** What one committed batch changed, for live views and rules. */
export interface CommitEffects {
  inventoryChanged: { deviceId: number; changes: number }[];
  devicesSeen: Set<number>;
  /** Devices whose check states changed status (or appeared): the live views' health. */
  healthChanged: Set<number>;
  /** Signed commands the agents answered (remote intervention), for dashboards and dispatch. */
  remote?: { live: LiveEvent[]; queued: string[]; regrant: number[] };
}

/** Writes a batch of frames atomically; implemented per relational store. */
export interface IngestWriter {
  commit(frames: PendingFrame[], now: number): Promise<CommitEffects>;
}
