import type { AgentMessage } from '@vigie/shared';

/** A validated agent message waiting to be committed. */
export interface PendingFrame {
  agentId: string;
  deviceId: number;
  msg: Exclude<AgentMessage, { type: 'hello' }>;
  receivedAt: number;
  /** Number of metric values, for batching and statistics. */
  values: number;
}

/** Who is told when a frame is committed or refused. */
export interface FrameSink {
  committed(seq: number): void;
  failed(seq: number, error: Error): void;
}

/** What one committed batch changed, for live views and rules. */
export interface CommitEffects {
  inventoryChanged: { deviceId: number; changes: number }[];
  devicesSeen: Set<number>;
  /** Devices whose check states changed status (or appeared): the live views' health. */
  healthChanged: Set<number>;
  /** Signed commands the agents answered (remote intervention), for dashboards and dispatch. */
  remote?: { live: { type: string; clientId: number | null; data: unknown }[]; queued: string[]; regrant: number[] };
}

/** Writes a batch of frames atomically; implemented per relational store. */
export interface IngestWriter {
  commit(frames: PendingFrame[], now: number): Promise<CommitEffects>;
}
