import type { RuntimeOptions } from '@vigie/agent';

/** Messages between a test and its fleet process (IPC). */
export type ToFleet =
  | {
      type: 'start';
      url: string;
      token: string;
      count: number;
      /** Folder holding each agent's state (credential, spool). */
      root: string;
      prefix: string;
      /** Metric values per frame. */
      values: number;
      spool?: RuntimeOptions['spool'];
    }
  | { type: 'status' }
  | { type: 'stop' };

/** One agent's figures from its own spool, and what it logged of each frame. */
export interface AgentFigures {
  name: string;
  agentId: string;
  deviceId: number;
  produced: number;
  ackedSeq: number;
  pendingFrames: number;
  droppedFrames: number;
  unspooledFrames: number;
  inDoubtFrames: number;
  connects: number;
  /** seq and sample time of each metrics frame it spooled. */
  metrics: [number, number][];
  notSpooled: number[];
  warnings: string[];
}

export type FromFleet =
  | { type: 'started'; agents: { name: string; agentId: string; deviceId: number }[] }
  | { type: 'status'; agents: { pendingFrames: number; inDoubtFrames: number; connects: number }[] }
  | { type: 'stopped'; agents: AgentFigures[] }
  | { type: 'failed'; error: string };
