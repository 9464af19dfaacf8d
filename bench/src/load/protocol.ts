/** Messages between the load coordinator and its worker processes (IPC). */
export interface WorkerConfig {
  url: string;
  /** Where the agents enroll (default `url`): one collector, when several share the store. */
  enrollUrl?: string;
  /** Enrollments in flight from this worker (the coordinator keeps the total near 64). */
  enrollConcurrency?: number;
  token: string;
  hostnames: string[];
  intervalMs: number;
  jitter: number;
  valuesPerFrame: number;
  software: number;
  window: number;
  /** New connections per second from this worker during the ramp. */
  connectRate: number;
}

export interface WorkerCounters {
  connected: number;
  framesSent: number;
  framesAcked: number;
  valuesAcked: number;
  unacked: number;
  errors: Record<string, number>;
}

export type ToWorker = { type: 'start'; config: WorkerConfig } | { type: 'go' } | { type: 'stop'; graceMs: number };
export type FromWorker =
  | { type: 'ready'; counters: WorkerCounters; enrollMs: number; connectMs: number }
  | { type: 'tick'; counters: WorkerCounters }
  /** `latencyAt[i]`: when `latencies[i]` was measured, in ms since the measured phase began. */
  | { type: 'done'; counters: WorkerCounters; latencies: number[]; latencyAt: number[] }
  | { type: 'failed'; error: string };
