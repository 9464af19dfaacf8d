import { monthOf, parisDate, shiftMonth } from '@vigie/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthRepository } from './auth/repository.js';
import type { InvoiceService } from './billing/invoicing.js';
import { type ClusterBus, IpcBus } from './cluster/bus.js';
import { ClusterLease } from './cluster/lease.js';
import { NatsBus } from './cluster/nats-bus.js';
import type { Remote } from './commands/module.js';
import type { CollectorConfig } from './config.js';
import type { DevicesRepository } from './devices/repository.js';
import type { FlowService } from './flows/service.js';
import type { Patches } from './patches/module.js';
import type { RuleEngine } from './rules/engine.js';
import type { StoreHealth } from './store/health.js';
import type { MetricStore } from './store/metric-store.js';
import type { RelationalStore } from './store/relational-store.js';
import type { Updates } from './updates/module.js';

export interface ScheduledJobs {
  /** The scheduled jobs' lease (a serving process), null otherwise. */
  readonly lease: ClusterLease | null;
  /** Runs of the once-in-the-cluster jobs on this process (/metrics). */
  readonly runs: { invoicing: number };
  close(): Promise<void>;
}

/**
 * A collector's timers. The maintenance pass (rollups) runs on every process, each for what it
 * wrote; the rest runs once in the cluster: on the collector holding the lease (a serving process),
 * or in the first worker of a process that serves nothing (tests, commands). The rules engine's view
 * of connections is cluster-wide (agents-held over the bus).
 */
export async function startScheduledJobs(o: {
  config: CollectorConfig;
  serving: boolean;
  db: RelationalStore;
  bus: ClusterBus;
  log: FastifyBaseLogger;
  health: StoreHealth;
  rules: RuleEngine;
  patches: Patches;
  updates: Updates;
  remote: Remote;
  metrics: MetricStore;
  flows: FlowService;
  auth: AuthRepository;
  devices: DevicesRepository;
  invoices: InvoiceService;
  /** A write refused because the store is full or damaged is counted in the store's summaries, not logged each time. */
  logWriteError: (what: string) => (err: unknown) => void;
}): Promise<ScheduledJobs> {
  const { config, bus, log, health, rules, patches, updates, remote, metrics, flows, auth, devices, invoices, logWriteError } = o;
  const lease = o.serving
    ? new ClusterLease(o.db, 'scheduled-jobs', leaseHolder(bus, config.bus.nodeId), {
        ttlMs: config.jobsLeaseTtlMs,
        log: log.child({ domain: 'cluster-lease' }),
        onError: (err) => health.writeFailed(err, 'cluster lease'),
        onChange: (held) => (held ? startJobs() : stopJobs()),
      })
    : null;
  const runsJobs = () => (lease ? lease.held : bus.workerId === 1);
  const startJobs = () => {
    if (config.rulesIntervalMs > 0) rules.start(config.rulesIntervalMs);
    patches.start(config.patchIntervalMs);
    updates.start(config.rolloutIntervalMs);
  };
  const stopJobs = () => {
    rules.stop().catch((err) => log.error({ err }, 'rules evaluation failed while stopping'));
    patches.stop();
    updates.stop();
  };
  if (lease) await lease.start();
  else if (runsJobs()) startJobs();
  const runs = { invoicing: 0 };

  const maintenance = setInterval(() => {
    if (!health.acceptsData) return; // rollups write: not while the store is full or damaged
    metrics.maintain(Date.now()).catch(logWriteError('metrics maintenance'));
    flows.maintain(Date.now()).catch(logWriteError('flow rollups'));
  }, config.maintenanceIntervalMs);
  maintenance.unref();
  // Queued commands past their expiry are marked expired (never sent), once a minute.
  const expiry = setInterval(() => {
    if (runsJobs()) remote.expire().catch((err) => log.error({ err }, 'command expiry failed'));
  }, 60_000);
  expiry.unref();
  const daily = setInterval(() => {
    // In a cluster, the lease holder does the daily clean-up for all.
    if (!runsJobs()) return;
    metrics.maintain(Date.now(), { retention: true }).catch((err) => log.error({ err }, 'metrics retention failed'));
    auth.purgeExpiredSessions().catch((err) => log.error({ err }, 'session purge failed'));
    devices.purgeHistory(Date.now()).catch((err) => log.error({ err }, 'check history purge failed'));
  }, 86_400_000);
  daily.unref();
  // Contract 5.1: invoices at month end. Hourly, the lease holder issues last month's invoices that
  // do not exist yet (a collector down on the 1st catches up; the database refuses a duplicate).
  const issueInvoices = () => {
    if (!runsJobs() || !config.invoicing) return;
    runs.invoicing++;
    const month = shiftMonth(monthOf(parisDate(Date.now())), -1);
    invoices.generateAll(month).then(
      (results) => {
        for (const r of results) {
          if (r.number && r.issued) log.info({ clientId: r.clientId, month, number: r.number }, 'invoice issued');
          if (r.error)
            log.error({ clientId: r.clientId, month, number: r.number }, r.number ? `invoice ${r.number}: ${r.error}` : `invoice not issued: ${r.error}`);
        }
        // One line a pass: an invoice found issued by an earlier pass (or another collector) is not
        // announced as issued again.
        log.info(
          {
            month,
            issued: results.filter((r) => r.issued).length,
            alreadyIssued: results.filter((r) => r.number && !r.issued).length,
            nothingToBill: results.filter((r) => !r.number && !r.error).length,
            failed: results.filter((r) => r.error).length,
          },
          'month-end invoicing pass',
        );
      },
      (err) => log.error({ err }, 'month-end invoicing failed'),
    );
  };
  const monthly = setInterval(issueInvoices, config.invoicingIntervalMs);
  monthly.unref();
  const firstInvoicing = setTimeout(issueInvoices, Math.min(60_000, config.invoicingIntervalMs));
  firstInvoicing.unref();

  return {
    lease,
    runs,
    async close() {
      clearInterval(maintenance);
      clearInterval(daily);
      clearInterval(expiry);
      clearInterval(monthly);
      clearTimeout(firstInvoicing);
      patches.stop();
      updates.stop();
      await lease?.stop();
    },
  };
}

/** The name this process holds leases under: unique per process, the same after a restart. */
function leaseHolder(bus: ClusterBus, nodeId: string): string {
  if (bus instanceof NatsBus) return bus.nodeId;
  return bus instanceof IpcBus ? `${nodeId}-w${bus.workerId}` : nodeId;
}
