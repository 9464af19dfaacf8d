import type { FastifyBaseLogger } from 'fastify';
import { type ClusterMessage, checkClusterMessage } from './cluster-messages.js';

export type { ClusterMessage, SessionEndReason } from './cluster-messages.js';

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
  /** Worker processes (`serve --workers N`): what the relay through the primary refused. */
  readonly relay?: RelayStats;
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

export interface RelayStats {
  /** Relayed messages that did not match their schema (a primary of another version): logged, never delivered. */
  refused: number;
  /** Messages this process built wrong (a bug): delivered here only, never relayed, logged. */
  publishErrors: number;
}

/**
 * Hands a message to each handler; one that throws is logged and the others still run: a failing
 * handler neither breaks the publisher nor, on a relayed or received message, kills the process.
 */
export function deliverTo(handlers: readonly ((msg: ClusterMessage) => void)[], msg: ClusterMessage, log: Pick<FastifyBaseLogger, 'error'>, bus: string): void {
  for (const h of handlers) {
    try {
      h(msg);
    } catch (err) {
      log.error({ err, type: msg.type }, `${bus}: a handler failed`);
    }
  }
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
  readonly relay: RelayStats = { refused: 0, publishErrors: 0 };
  private log: Pick<FastifyBaseLogger, 'error'> = { error: (obj: unknown, msg?: string) => console.error(msg, obj) } as Pick<FastifyBaseLogger, 'error'>;

  constructor(readonly workerId: number) {
    this.nodeId = String(workerId);
    process.on('message', (m: { channel?: string; msg?: unknown }) => {
      if (m?.channel !== RELAY) return;
      const verdict = checkClusterMessage(m.msg);
      if (!verdict.ok) {
        this.relay.refused++;
        this.log.error({ type: verdict.type, why: verdict.why }, 'cluster relay: malformed message refused');
        return;
      }
      deliverTo(this.handlers, verdict.msg, this.log, 'cluster relay');
    });
  }

  start(log: FastifyBaseLogger): void {
    this.log = log;
  }

  publish(msg: ClusterMessage): void {
    // As NatsBus: a value built around the type (a fractional id, an empty list) would be refused by
    // every other worker; it is said here, where the bug is, and this process still hears it.
    const verdict = checkClusterMessage(msg);
    if (!verdict.ok) {
      this.relay.publishErrors++;
      this.log.error(
        { type: verdict.type, why: verdict.why },
        'cluster relay: a message the other workers would refuse was not sent to them (a bug in this collector)',
      );
      deliverTo(this.handlers, msg, this.log, 'cluster relay');
      return;
    }
    process.send?.({ channel: RELAY, msg });
  }

  subscribe(handler: (msg: ClusterMessage) => void): void {
    this.handlers.push(handler);
  }
}

export function isRelayMessage(m: unknown): m is { channel: string; msg: ClusterMessage } {
  return typeof m === 'object' && m !== null && (m as { channel?: unknown }).channel === RELAY;
}
