import type { FastifyBaseLogger } from 'fastify';
import type { LiveEvent } from '../live/live-channel.js';

/** What collector processes of one cluster tell each other. */
export type ClusterMessage =
  /** For every process's dashboards: a user may be connected to any of them. */
  | { type: 'live'; event: LiveEvent }
  | { type: 'agent-connected'; agentId: string; nodeId: string }
  | { type: 'agent-disconnected'; agentId: string; nodeId: string }
  /**
   * Every agent a collector process holds, sent now and then: a process that joined late (or was cut
   * off from the bus) learns who is connected where, and a process that died stops counting. In
   * parts (a message stays well under NATS's 1 MB limit); the `last` part completes the round.
   */
  | { type: 'agents-held'; nodeId: string; agentIds: string[]; validForMs: number; round: number; last: boolean }
  | { type: 'agent-revoked'; agentId: string }
  | { type: 'policy-changed'; deviceIds: number[] }
  | { type: 'user-disabled'; userId: number }
  /** Sessions closed (one, or all of a user's): their live sockets close on every process. */
  | { type: 'sessions-ended'; userId: number; idHash?: string; reason: SessionEndReason }
  /** Remote intervention: commands wait for these agents; the signing key changed; grants were re-signed. */
  | { type: 'commands-queued'; agentIds: string[] }
  | { type: 'signing-keys-rotated' }
  | { type: 'grants-changed'; devices: { deviceId: number; agentId: string }[] };

/**
 * Why sessions ended. `second-factor-reset`: an admin reset the user's TOTP (the sessions are gone:
 * enrolling again takes the password). `second-factor-required`: the user must now enrol TOTP (a
 * technician given the remote permission): its sessions may still enrol, its live sockets close.
 */
export type SessionEndReason = 'logout' | 'password-changed' | 'role-changed' | 'expired' | 'second-factor-reset' | 'second-factor-required';

/**
 * Delivers a message to every collector process of the cluster, this one included. A single
 * process needs no relay; worker processes relay through their primary; separate collectors (other
 * machines) talk over NATS (nats-bus.ts).
 */
export interface ClusterBus {
  /** A number for this process's own files and keys in the shared store (run marker, rollup watermark). */
  readonly workerId: number;
  /** This process's name in the cluster: who holds an agent, who holds a job's lease, the `worker` label of /metrics. */
  readonly nodeId: string;
  publish(msg: ClusterMessage): void;
  subscribe(handler: (msg: ClusterMessage) => void): void;
  /** What the bus did (NATS: connection, outages, messages kept for later); absent for in-process buses. */
  readonly stats?: BusStats;
  /** Starts talking to the other collectors (in the background), logging there. */
  start?(log: FastifyBaseLogger): void;
  close?(): Promise<void>;
}

export interface BusStats {
  connected: boolean;
  disconnects: number;
  reconnects: number;
  /** Messages received from other collectors. */
  received: number;
  /** Short-lived messages (live events, connections) not sent while the bus was down. */
  dropped: number;
  /** Messages that must arrive, waiting for the bus to come back. */
  pendingDurable: number;
  publishErrors: number;
}

export class LocalBus implements ClusterBus {
  readonly workerId = 1;
  readonly nodeId = '1';
  private readonly handlers: ((msg: ClusterMessage) => void)[] = [];

  publish(msg: ClusterMessage): void {
    for (const h of this.handlers) h(msg);
  }

  subscribe(handler: (msg: ClusterMessage) => void): void {
    this.handlers.push(handler);
  }
}

const RELAY = 'vigie-cluster';

/** A worker's bus: its messages go to the primary, which sends them to every worker. */
export class IpcBus implements ClusterBus {
  private readonly handlers: ((msg: ClusterMessage) => void)[] = [];

  readonly nodeId: string;

  constructor(readonly workerId: number) {
    this.nodeId = String(workerId);
    process.on('message', (m: { channel?: string; msg?: ClusterMessage }) => {
      if (m?.channel === RELAY && m.msg) for (const h of this.handlers) h(m.msg);
    });
  }

  publish(msg: ClusterMessage): void {
    process.send?.({ channel: RELAY, msg });
  }

  subscribe(handler: (msg: ClusterMessage) => void): void {
    this.handlers.push(handler);
  }
}

export function isRelayMessage(m: unknown): m is { channel: string; msg: ClusterMessage } {
  return typeof m === 'object' && m !== null && (m as { channel?: unknown }).channel === RELAY;
}
