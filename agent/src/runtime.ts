import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  type CommandBody,
  encodeMessage,
  type HelloBody,
  type Inventory,
  isValidCollectorBody,
  type PolicyBody,
  resolveProbeConfig,
  type SignedCommandBody,
} from '@vigie/shared';
import type { Log } from './log.js';
import { collectInventory, inventoryHash } from './probes/inventory/index.js';
import { MetricsSampler } from './probes/metrics/index.js';
import type { ProbeDefinition } from './probes/probe.js';
import { PROBES } from './probes/registry.js';
import { ProbeRunner } from './probes/runner.js';
import { RemoteCommands } from './remote/remote-commands.js';
import { SiteRole } from './site/role.js';
import { type AgentState, type Credential, collectorUrls, loadState, saveState } from './state.js';
import { CollectorConnection } from './transport/connection.js';
import { Spool, type SpoolOptions, SpoolWriteError } from './transport/spool.js';
import { SpoolTrouble } from './transport/spool-trouble.js';
import { AgentUpdater } from './update/updater.js';
import { AGENT_VERSION } from './version.js';

export interface RuntimeOptions {
  stateDir: string;
  credential: Credential;
  log: Log;
  spool?: Partial<Omit<SpoolOptions, 'dir'>>;
  /** Replaceable for tests; default: the real probes. */
  sampler?: { prime(): Promise<void>; sample(): Promise<Record<string, number>> };
  inventory?: () => Promise<Inventory>;
  /** Replaceable for tests; default: the registry's probes. */
  probes?: readonly ProbeDefinition[];
  /** The local ceiling file for remote intervention (default: the platform's, written by the installer). */
  ceilingFile?: string;
  /** The spread of a fail-over's random delay (default 10 s). */
  failoverSpreadMs?: number;
}

/** Until the collector's first policy arrives. */
const DEFAULT_POLICY: PolicyBody = { version: 0, metricsIntervalSec: 60, inventoryIntervalSec: 3600, heartbeatSec: 30, probes: {} };

/** ±5 % so thousands of agents do not sample and send in lockstep. */
const jitter = (ms: number) => Math.round(ms * (0.95 + Math.random() * 0.1));

/**
 * The running agent: samples metrics and collects the inventory on the policy's schedule, writes
 * every message to the durable spool first, and lets the connection deliver them.
 */
export class AgentRuntime {
  private spool!: Spool;
  private connection!: CollectorConnection;
  private state: AgentState = {};
  private policy: PolicyBody = DEFAULT_POLICY;
  private probesStarted = false;
  private metricsTimer: NodeJS.Timeout | undefined;
  private metricsDueAt = 0;
  private inventoryTimer: NodeJS.Timeout | undefined;
  private inventoryDueAt = 0;
  private stopped = false;
  private readonly sampler;
  private readonly inventory;
  private inventoryRunning: Promise<void> | undefined;
  private probes!: ProbeRunner;
  private site!: SiteRole;
  private readonly spoolTrouble: SpoolTrouble;
  private remote!: RemoteCommands;
  private updater!: AgentUpdater;
  private accepted = false;
  private askRestart!: () => void;
  /** Resolves when a self-update asks the agent to stop and exit, for its service manager to start the new executable. */
  readonly restartRequested: Promise<void> = new Promise((resolve) => {
    this.askRestart = resolve;
  });

  constructor(private readonly o: RuntimeOptions) {
    this.sampler = o.sampler ?? new MetricsSampler();
    this.inventory = o.inventory ?? (() => collectInventory());
    this.spoolTrouble = new SpoolTrouble(o.log);
  }

  get stats() {
    return { spool: this.spool.stats(), connection: this.connection.stats, policy: this.policy };
  }

  async start(): Promise<void> {
    this.state = await loadState(this.o.stateDir);
    const saved = this.state.policy !== undefined && isValidCollectorBody('policy', this.state.policy);
    if (saved) this.policy = this.state.policy!;
    this.updater = new AgentUpdater({
      stateDir: this.o.stateDir,
      log: this.o.log,
      emit: (type, body) => this.emit(type, body),
      credential: this.o.credential,
      collectorUrl: () => this.connection?.currentUrl ?? this.o.credential.url,
      restart: () => this.askRestart(),
    });
    this.remote = new RemoteCommands({
      stateDir: this.o.stateDir,
      me: { agentId: this.o.credential.agentId, deviceId: this.o.credential.deviceId },
      log: this.o.log,
      emit: (type, body) => this.emit(type, body),
      ...(this.o.ceilingFile ? { ceilingFile: this.o.ceilingFile } : {}),
      updater: this.updater,
      afterPatches: () => this.listPatchesNow(),
    });
    await this.remote.open();
    this.spool = await Spool.open({ dir: join(this.o.stateDir, 'spool'), ...this.o.spool, onWarn: (msg) => this.o.log.warn(msg) });
    // An update this process ends (the new version, or the previous one put back): before connecting.
    await this.updater.onStart();
    this.connection = new CollectorConnection({
      urls: collectorUrls(this.o.credential),
      ...(this.o.failoverSpreadMs !== undefined ? { failoverSpreadMs: this.o.failoverSpreadMs } : {}),
      agentId: this.o.credential.agentId,
      secret: this.o.credential.secret,
      spool: this.spool,
      log: this.o.log,
      hello: () => this.hello(),
      onPolicy: (p) => this.applyPolicy(p),
      onCommand: (c) => void this.onCommand(c),
      onRefused: (seq, code, message) =>
        void this.emit('event', {
          kind: 'frame.refused',
          severity: 'warning',
          message: `frame ${seq} refused: ${code}`,
          data: { seq, code, detail: message.slice(0, 500) },
          occurredAt: Date.now(),
        }),
    });
    this.probes = new ProbeRunner(
      this.o.probes ?? PROBES,
      async (results, reports) => {
        // A report (the pending-updates list) goes first: the check that follows sums it up.
        for (const r of reports) await this.emit(r.type, r.body);
        if (results.length > 0) await this.emit('checks', { results });
      },
      this.o.log,
      process.platform,
      (sha, params, timeoutMs) => this.remote.runGrantedScript(sha, params, timeoutMs),
    );
    this.site = new SiteRole((type, body) => this.emit(type, body), this.o.log);
    // Probes run with the provider's policy, never with the built-in defaults: the one saved from
    // an earlier contact now, else the collector's first (a probe it disables, or a gateway it must
    // not ping, is then never run before it arrives).
    if (saved) this.startProbes(this.policy);
    await this.sampler.prime();
    this.connection.start();
    this.scheduleMetrics(Math.min(1000, this.policy.metricsIntervalSec * 1000));
    this.scheduleInventory(0);
    this.o.log.info('agent started', {
      agentId: this.o.credential.agentId,
      collectors: collectorUrls(this.o.credential),
      pending: this.spool.stats().pendingFrames,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.probes.stop();
    await this.site.stop();
    clearTimeout(this.metricsTimer);
    clearTimeout(this.inventoryTimer);
    await this.inventoryRunning;
    await this.remote.idle();
    await this.connection.stop();
    await this.spool.close();
  }

  private hello(): HelloBody {
    const s = this.spool.stats();
    return {
      agentVersion: AGENT_VERSION,
      protocol: 1,
      hostname: hostname().slice(0, 256) || 'unknown',
      platform: process.platform,
      arch: process.arch,
      ...(this.state.lastInventoryHash ? { inventoryHash: this.state.lastInventoryHash } : {}),
      nextSeq: s.nextSeq,
      spool: this.spool.report(),
    };
  }

  /** After patches were installed: the patches probe runs now, its list goes to the collector. */
  private async listPatchesNow(): Promise<{ rebootPending: boolean | null }> {
    const probe = (this.o.probes ?? PROBES).find((p) => p.spec.id === 'patches');
    const cfg = probe && resolveProbeConfig(probe.spec, this.policy.probes.patches);
    if (!probe || !cfg?.ok) return { rebootPending: null };
    const results = await this.probes.runOnce(probe, cfg.config as { timeoutSec: number });
    const r = results.find((x) => x.check === 'patches')?.values?.rebootPending;
    return { rebootPending: typeof r === 'boolean' ? r : null };
  }

  private startProbes(p: PolicyBody): void {
    this.probesStarted = true;
    this.probes.apply(p);
    this.site.apply(p);
  }

  private applyPolicy(p: PolicyBody): void {
    // The collector answered hello with a policy: it accepted this agent (and this version).
    if (!this.accepted) {
      this.accepted = true;
      this.updater.healthy().catch((err: Error) => this.o.log.error('reporting the update healthy failed', { err: err.message }));
    }
    const changed = p.metricsIntervalSec !== this.policy.metricsIntervalSec || p.inventoryIntervalSec !== this.policy.inventoryIntervalSec;
    const probesChanged = JSON.stringify(p.probes) !== JSON.stringify(this.policy.probes);
    this.policy = p;
    this.state.policy = p;
    if ((probesChanged || !this.probesStarted) && !this.stopped) this.startProbes(p);
    saveState(this.o.stateDir, this.state).catch((err: Error) => this.o.log.warn('could not save the policy', { err: err.message }));
    if (changed && !this.stopped) {
      this.o.log.info('policy applied', { version: p.version, metricsIntervalSec: p.metricsIntervalSec, inventoryIntervalSec: p.inventoryIntervalSec });
      // A shorter interval takes effect now; a run already due sooner is not postponed.
      const now = Date.now();
      this.scheduleMetrics(Math.max(0, Math.min(this.metricsDueAt - now, jitter(p.metricsIntervalSec * 1000))));
      this.scheduleInventory(Math.max(0, Math.min(this.inventoryDueAt - now, jitter(p.inventoryIntervalSec * 1000))));
    }
  }

  /**
   * Spools one message and wakes the sender. Never throws: a frame that cannot be written (disk
   * full) is counted by the spool and reported to the collector, and the agent goes on.
   */
  private async emit(type: string, body: unknown): Promise<void> {
    try {
      const rec = await this.spool.append((seq) => encodeMessage({ type, seq, body }));
      this.o.log.debug('spooled', { seq: rec.seq, type, ...(type === 'metrics' ? { ts: (body as { samples: { ts: number }[] }).samples[0]?.ts } : {}) });
      this.spoolTrouble.recovered();
    } catch (err) {
      if (err instanceof SpoolWriteError) {
        this.o.log.debug('not spooled', { seq: err.seq, type, code: err.code });
        this.spoolTrouble.failed(err);
      } else this.o.log.error('could not spool a message', { type, err: (err as Error).message });
    }
    // Before the connection exists (an update reported at start), the frame waits in the spool.
    this.connection?.reportSpool();
    this.connection?.kick();
  }

  private scheduleMetrics(delayMs: number): void {
    clearTimeout(this.metricsTimer);
    if (this.stopped) return;
    this.metricsDueAt = Date.now() + delayMs;
    this.metricsTimer = setTimeout(async () => {
      try {
        const values = await this.sampler.sample();
        if (Object.keys(values).length > 0) await this.emit('metrics', { samples: [{ ts: Date.now(), values }] });
      } catch (err) {
        this.o.log.error('metrics sample failed', { err: (err as Error).message });
      }
      this.scheduleMetrics(jitter(this.policy.metricsIntervalSec * 1000));
    }, delayMs);
  }

  private scheduleInventory(delayMs: number): void {
    clearTimeout(this.inventoryTimer);
    if (this.stopped) return;
    this.inventoryDueAt = Date.now() + delayMs;
    this.inventoryTimer = setTimeout(async () => {
      await this.collectInventory(false);
      this.scheduleInventory(jitter(this.policy.inventoryIntervalSec * 1000));
    }, delayMs);
  }

  /** Sends the full inventory when it changed since the last one sent, or when forced. */
  private collectInventory(force: boolean): Promise<void> {
    this.inventoryRunning ??= (async () => {
      try {
        const inv = await this.inventory();
        const hash = inventoryHash(inv);
        if (!force && hash === this.state.lastInventoryHash) return;
        await this.emit('inventory', inv);
        this.state.lastInventoryHash = hash;
        await saveState(this.o.stateDir, this.state);
        this.o.log.info('inventory sent', { software: inv.software.length, forced: force });
      } catch (err) {
        this.o.log.error('inventory failed', { err: (err as Error).message });
      } finally {
        this.inventoryRunning = undefined;
      }
    })();
    return this.inventoryRunning;
  }

  private async onCommand(c: CommandBody): Promise<void> {
    if ('envelope' in c) {
      await this.remote.handle(c as SignedCommandBody);
      return;
    }
    if (c.action === 'refresh-inventory') {
      await this.inventoryRunning;
      await this.collectInventory(true);
      await this.emit('command-result', { commandId: c.commandId, ok: true });
      return;
    }
    await this.emit('command-result', {
      commandId: c.commandId,
      ok: false,
      error: { code: 'VIGIE_E_COMMAND_UNSUPPORTED', message: `${c.action} is not supported by this agent version` },
    });
  }
}
