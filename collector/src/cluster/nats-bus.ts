import type { FastifyBaseLogger } from 'fastify';
import {
  AckPolicy,
  type ConsumerMessages,
  connect,
  DeliverPolicy,
  DiscardPolicy,
  Events,
  type JetStreamClient,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from 'nats';
import { type BusStats, type ClusterBus, deliverTo } from './bus.js';
import { BUS_NAME_PATTERN, natsServersAndAuth, redact } from './bus-settings.js';
import { type ClusterMessage, type ClusterMessageType, checkClusterMessage } from './cluster-messages.js';

type BusLog = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

/**
 * How each kind of message travels. What must reach every collector even if it was cut off from
 * NATS (or restarting) when it was sent goes through JetStream, one durable consumer per collector:
 * commands waiting for an agent, a policy or grant to push, a revoked agent or a disabled user to
 * cut off, a signing key to reload, sessions to end. The rest (live events, who holds which agent)
 * is worth nothing late: core NATS. A kind added to ClusterMessage must be placed here (the type
 * says so). Whatever arrives on the subjects is checked against its schema (cluster-messages.ts)
 * before any handler sees it; the rest is refused, counted and logged.
 */
const DELIVERY: Record<ClusterMessageType, 'durable' | 'core'> = {
  'commands-queued': 'durable',
  'policy-changed': 'durable',
  'grants-changed': 'durable',
  'agent-revoked': 'durable',
  'signing-keys-rotated': 'durable',
  'user-disabled': 'durable',
  'sessions-ended': 'durable',
  live: 'core',
  'agent-connected': 'core',
  'agent-disconnected': 'core',
  'agents-held': 'core',
};

const CORE_SUBJECT = 'vigie.bus';
const DURABLE_SUBJECT = 'vigie.durable';
const STREAM = 'VIGIE_BUS';
/** Longer than any command waits for its agent: what is older has expired anyway. */
const STREAM_MAX_AGE_MS = 24 * 3600_000;
/** Messages kept while NATS is unreachable; beyond, the oldest are dropped (and counted, and logged). */
const OUTBOX_LIMIT = 10_000;
const RETRY_MS = 2000;

interface Envelope {
  from: string;
  msg: ClusterMessage;
}

/**
 * The cluster bus over NATS: every collector process of the cluster, on any machine, hears every
 * message. This process's own messages are delivered to it at once (not when NATS echoes them), so
 * its agents and dashboards are served whether NATS is up or not.
 */
export class NatsBus implements ClusterBus {
  readonly workerId: number;
  readonly stats: BusStats & { connectFailures: number; refused: number } = {
    connected: false,
    disconnects: 0,
    reconnects: 0,
    received: 0,
    dropped: 0,
    pendingDurable: 0,
    publishErrors: 0,
    connectFailures: 0,
    refused: 0,
  };
  private readonly handlers: ((msg: ClusterMessage) => void)[] = [];
  private readonly outbox: { msg: ClusterMessage; id: string }[] = [];
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private consuming: ConsumerMessages | undefined;
  private durableReady = false;
  private flushing = false;
  private closed = false;
  private sent = 0;
  private droppedThisOutage = 0;
  private log: BusLog;
  private retry: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  constructor(
    readonly servers: string[],
    readonly nodeId: string,
    /** With `serve --workers N`: which worker of its machine this process is (1 for a lone collector). */
    readonly localWorker = 1,
    log?: BusLog,
  ) {
    this.workerId = storeNumberOf(nodeId);
    this.log = log ?? consoleLog;
  }

  /** Connects in the background: the collector serves its own agents and dashboards meanwhile. */
  start(log?: BusLog): void {
    if (log) this.log = log;
    this.retry = setInterval(() => {
      if (this.outbox.length > 0) void this.flush();
    }, RETRY_MS);
    this.retry.unref();
    void this.connectLoop();
  }

  publish(msg: ClusterMessage): void {
    this.deliver(msg);
    // The type says the shape; a value built around it (a fractional id, an empty list) would be
    // refused by every peer: said here, where the bug is, rather than only there.
    const verdict = checkClusterMessage(msg);
    if (!verdict.ok) {
      this.stats.publishErrors++;
      this.log.error({ type: msg.type, why: verdict.why }, 'cluster bus: a message its peers would refuse was not sent to them (a bug in this collector)');
      return;
    }
    if (DELIVERY[msg.type] === 'durable') {
      if (this.outbox.length >= OUTBOX_LIMIT) {
        const lost = this.outbox.shift();
        this.stats.dropped++;
        this.log.error({ type: lost?.msg.type }, 'cluster bus: too many messages waiting for NATS, the oldest was dropped');
      }
      this.outbox.push({ msg, id: `${this.nodeId}-${this.started}-${++this.sent}` });
      this.stats.pendingDurable = this.outbox.length;
      void this.flush();
      return;
    }
    const nc = this.nc;
    if (!nc || !this.stats.connected) {
      this.stats.dropped++;
      this.droppedThisOutage++;
      return;
    }
    try {
      nc.publish(`${CORE_SUBJECT}.${msg.type}`, encode({ from: this.nodeId, msg }));
    } catch (err) {
      this.stats.publishErrors++;
      this.log.error({ err, type: msg.type }, 'cluster bus: publish failed');
    }
  }

  subscribe(handler: (msg: ClusterMessage) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.retry);
    if (this.outbox.length > 0) this.log.warn({ pending: this.outbox.length }, 'cluster bus: closing with messages NATS never took');
    this.consuming?.stop();
    const nc = this.nc;
    if (!nc) return;
    if (this.stats.connected) await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, 2000))]);
    if (!nc.isClosed()) await nc.close();
  }

  private deliver(msg: ClusterMessage): void {
    deliverTo(this.handlers, msg, this.log, 'cluster bus');
  }

  private receive(data: Uint8Array): void {
    let env: { from?: unknown; msg?: unknown } | null;
    try {
      env = JSON.parse(Buffer.from(data).toString('utf8')) as { from?: unknown; msg?: unknown } | null;
    } catch (err) {
      this.stats.refused++;
      this.log.error({ err }, 'cluster bus: unreadable message ignored');
      return;
    }
    const from = typeof env?.from === 'string' ? env.from : undefined;
    const verdict = checkClusterMessage(env?.msg);
    if (!verdict.ok || from === undefined || !SENDER.test(from)) {
      this.stats.refused++;
      // Its type, sender and the faulty field, never its content: it may carry anything.
      this.log.error(
        { from: from?.slice(0, 64), type: verdict.ok ? verdict.msg.type : verdict.type, why: verdict.ok ? 'no valid sender' : verdict.why },
        'cluster bus: malformed message refused',
      );
      return;
    }
    if (from === this.nodeId) return; // delivered here when published
    this.stats.received++;
    this.deliver(verdict.msg);
  }

  private async connectLoop(): Promise<void> {
    let wait = 500;
    while (!this.closed) {
      try {
        const nc = await connect({
          ...natsServersAndAuth(this.servers),
          name: `vigie-collector ${this.nodeId}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
          pingInterval: 5000,
          maxPingOut: 2,
        });
        if (this.closed) {
          await nc.close();
          return;
        }
        this.attach(nc);
        return;
      } catch (err) {
        this.stats.connectFailures++;
        if (this.stats.connectFailures === 1 || this.stats.connectFailures % 30 === 0)
          this.log.error(
            { err, servers: this.servers.map(redact), attempts: this.stats.connectFailures },
            'cluster bus: NATS unreachable; serving this collector’s own agents and dashboards, retrying',
          );
        // Jittered: collectors restarted together do not all knock at the same instant.
        await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random() / 2)));
        wait = Math.min(wait * 2, 5000);
      }
    }
  }

  private attach(nc: NatsConnection): void {
    this.nc = nc;
    this.stats.connected = true;
    this.log.info({ server: nc.getServer(), nodeId: this.nodeId }, 'cluster bus: connected to NATS');
    nc.subscribe(`${CORE_SUBJECT}.>`, {
      callback: (err, m) => {
        if (err) this.log.error({ err }, 'cluster bus: subscription error');
        else this.receive(m.data);
      },
    });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Disconnect) {
          this.stats.connected = false;
          this.stats.disconnects++;
          this.durableReady = false;
          this.log.error({ server: s.data }, 'cluster bus: NATS connection lost; serving this collector’s own agents and dashboards, reconnecting');
        } else if (s.type === Events.Reconnect) {
          this.stats.connected = true;
          this.stats.reconnects++;
          this.log.info(
            { server: s.data, droppedLiveMessages: this.droppedThisOutage, pendingDurable: this.outbox.length },
            'cluster bus: NATS connection back',
          );
          this.droppedThisOutage = 0;
          void this.setUpDurable(nc);
        } else if (s.type === Events.Error) this.log.error({ err: s.data }, 'cluster bus: NATS error');
      }
    })().catch((err: unknown) => this.log.error({ err }, 'cluster bus: NATS status no longer followed'));
    nc.closed().then((err) => {
      this.stats.connected = false;
      if (!this.closed) this.log.error({ err }, 'cluster bus: NATS connection closed for good');
    });
    void this.setUpDurable(nc);
  }

  /** The stream and this collector's durable consumer (again after a reconnection: the server may have lost them). */
  private async setUpDurable(nc: NatsConnection): Promise<void> {
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.info(STREAM).catch(async () =>
        jsm.streams.add({
          name: STREAM,
          subjects: [`${DURABLE_SUBJECT}.>`],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          max_age: nanos(STREAM_MAX_AGE_MS),
          max_msgs: 1_000_000,
        }),
      );
      const durable = consumerName(this.nodeId);
      await jsm.consumers.info(STREAM, durable).catch(async () =>
        jsm.consumers.add(STREAM, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          // A collector new to the cluster starts from now; one that comes back resumes where it stopped.
          deliver_policy: DeliverPolicy.New,
          ack_wait: nanos(30_000),
          // A collector gone for good leaves no consumer behind for ever.
          inactive_threshold: nanos(STREAM_MAX_AGE_MS),
        }),
      );
      this.js = nc.jetstream();
      if (!this.consuming) {
        const consumer = await this.js.consumers.get(STREAM, durable);
        this.consuming = await consumer.consume({
          callback: (m) => {
            this.receive(m.data);
            m.ack();
          },
        });
      }
      this.durableReady = true;
      await this.flush();
    } catch (err) {
      this.stats.publishErrors++;
      this.log.error({ err }, 'cluster bus: JetStream not ready; retrying');
      if (!this.closed && this.stats.connected) setTimeout(() => void this.setUpDurable(nc), RETRY_MS).unref();
    }
  }

  /** Sends what waits for JetStream, in order; stops at the first refusal and tries again later. */
  private async flush(): Promise<void> {
    const js = this.js;
    if (this.flushing || !this.durableReady || !this.stats.connected || !js) return;
    this.flushing = true;
    try {
      while (this.outbox.length > 0 && this.stats.connected) {
        const next = this.outbox[0]!;
        try {
          // The id lets JetStream drop a copy sent again after an acknowledgement was lost.
          await js.publish(`${DURABLE_SUBJECT}.${next.msg.type}`, encode({ from: this.nodeId, msg: next.msg }), { msgID: next.id });
          this.outbox.shift();
        } catch (err) {
          this.stats.publishErrors++;
          this.log.warn({ err, type: next.msg.type, pending: this.outbox.length }, 'cluster bus: JetStream did not take a message; retrying');
          break;
        }
      }
    } finally {
      this.stats.pendingDurable = this.outbox.length;
      this.flushing = false;
    }
  }
}

/** A sender names itself as a collector does (its durable consumer and its logs carry that name). */
const SENDER = new RegExp(BUS_NAME_PATTERN);

function encode(env: Envelope): Uint8Array {
  return Buffer.from(JSON.stringify(env), 'utf8');
}

/** A durable consumer's name allows no '.', '*', '>' or space. */
function consumerName(nodeId: string): string {
  return `vigie_${nodeId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * A number for this collector's own names in the shared store (run marker, rollup watermark),
 * derived from its node id so that it is the same after a restart (FNV-1a, above the worker numbers).
 */
export function storeNumberOf(nodeId: string): number {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(nodeId, 'utf8')) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return 1000 + (h % 1_000_000_000);
}

const consoleLog: BusLog = {
  info: (obj: unknown, msg?: string) => console.error(msg ?? '', obj),
  warn: (obj: unknown, msg?: string) => console.error(msg ?? '', obj),
  error: (obj: unknown, msg?: string) => console.error(msg ?? '', obj),
} as BusLog;
