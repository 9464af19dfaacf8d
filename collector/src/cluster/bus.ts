import type { LiveEvent } from '../live/live-channel.js';

/** What collector processes of one cluster tell each other. */
export type ClusterMessage =
  /** For every process's dashboards: a user may be connected to any of them. */
  | { type: 'live'; event: LiveEvent }
  | { type: 'agent-connected'; agentId: string; workerId: number }
  | { type: 'agent-disconnected'; agentId: string; workerId: number }
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
 * process needs no relay; worker processes relay through their primary.
 */
export interface ClusterBus {
  readonly workerId: number;
  publish(msg: ClusterMessage): void;
  subscribe(handler: (msg: ClusterMessage) => void): void;
}

export class LocalBus implements ClusterBus {
  readonly workerId = 1;
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

  constructor(readonly workerId: number) {
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
