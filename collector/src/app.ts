import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import { PROTOCOL_VERSION, VigieError } from '@vigie/shared';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerDownloads } from './api/downloads.js';
import { registerErrorHandling } from './api/errors.js';
import { registerHealthRoutes } from './api/health-routes.js';
import { loggerOptions } from './api/log-options.js';
import { registerResponseCheck } from './api/response-check.js';
import { registerSecurityHeaders } from './api/security-headers.js';
import { audit } from './audit/repository.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { registerPasswordReset } from './auth/password-reset.js';
import { AuthRepository } from './auth/repository.js';
import { registerAuth } from './auth/routes.js';
import { registerUserRoutes } from './auth/users-routes.js';
import { InvoiceMailer } from './billing/facturx/invoice-mail.js';
import { facturXRoutes } from './billing/facturx/routes.js';
import { InvoiceService } from './billing/invoicing.js';
import { BILLING_PLUGINS } from './billing/routes.js';
import { BillingService } from './billing/service.js';
import { registerCheckRoutes } from './checks/routes.js';
import { type ClusterBus, LocalBus, type SessionEndReason } from './cluster/bus.js';
import { parseBusUrl } from './cluster/bus-settings.js';
import { NatsBus } from './cluster/nats-bus.js';
import { createRemote, type Remote } from './commands/module.js';
import { type CollectorConfig, servedOverHttps } from './config.js';
import { DevicesRepository } from './devices/repository.js';
import { registerDeviceRoutes } from './devices/routes.js';
import { registerEnrollRoutes } from './enroll/routes.js';
import { EnrollmentService } from './enroll/service.js';
import { registerFlowRoutes } from './flows/routes.js';
import { FlowService } from './flows/service.js';
import { registerIncidentAcknowledge } from './incidents/acknowledge.js';
import { registerIncidentRoutes } from './incidents/routes.js';
import { IncidentService } from './incidents/service.js';
import { AGENT_CHANNEL_PATH, AgentChannel } from './ingest/agent-channel.js';
import { PgIngestWriter } from './ingest/pg-ingest-writer.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { assertChannelSettings } from './ingest/policy.js';
import { SqliteIngestWriter } from './ingest/sqlite-ingest-writer.js';
import { DeviceEvents } from './live/device-events.js';
import { LIVE_PATH, LiveChannel, type LiveEvent } from './live/live-channel.js';
import { publishTicketChanges } from './live/ticket-events.js';
import { InboundMail } from './mail/inbound.js';
import { Notifier } from './notifications/service.js';
import { registerOverviewRoutes } from './overview/routes.js';
import { PatchIngestTx } from './patches/ingest-transactional.js';
import { createPatches, type Patches } from './patches/module.js';
import { registerPolicyRoutes } from './policies/routes.js';
import { PolicyService } from './policies/service.js';
import { registerReportCommentRoutes } from './reports/comment-routes.js';
import { ReportComments } from './reports/comments.js';
import { smtpTransport } from './reports/delivery.js';
import { flowStoreSource } from './reports/flow-source.js';
import { createReports, type Reports } from './reports/module.js';
import { registerReportRoutes } from './reports/routes.js';
import { RuleEngine } from './rules/engine.js';
import { registerRuleVocabulary } from './rules/vocabulary.js';
import { type ScheduledJobs, startScheduledJobs } from './scheduled-jobs.js';
import { registerStatsRoutes } from './stats/routes.js';
import { Database } from './store/database.js';
import { StoreHealth } from './store/health.js';
import { inspectWalBeforeOpen, quickCheck, RunMarker, type StoreCheck } from './store/integrity.js';
import { kvSet } from './store/kv.js';
import type { MetricStore } from './store/metric-store.js';
import { checkMetricsSettings, openMetricStore } from './store/open-metric-store.js';
import { assertServableOn, type CollectorStore, databaseTargetOf, openRelationalStore } from './store/open-relational-store.js';
import { PostgresDatabase } from './store/postgres-database.js';
import { ensurePrivateDir } from './store/private-files.js';
import { pingStore } from './store/relational-store.js';
import { DiskReserve } from './store/reserve.js';
import { reportStoreCheck, timed } from './store/startup.js';
import { logStoreEvents } from './store/store-events-log.js';
import { TenantsRepository } from './tenants/repository.js';
import { registerTenantRoutes } from './tenants/routes.js';
import { registerTicketRoutes } from './tickets/routes.js';
import { TicketService } from './tickets/service.js';
import { createUpdates, type Updates } from './updates/module.js';

export const COLLECTOR_VERSION = '0.1.0';

export interface Collector {
  app: FastifyInstance;
  db: CollectorStore;
  metrics: MetricStore;
  channel: AgentChannel;
  pipeline: IngestPipeline;
  auth: AuthRepository;
  tenants: TenantsRepository;
  enrollment: EnrollmentService;
  devices: DevicesRepository;
  rules: RuleEngine;
  tickets: TicketService;
  billing: BillingService;
  invoices: InvoiceService;
  live: LiveChannel;
  notifier: Notifier;
  reports: Reports;
  health: StoreHealth;
  /** What the start-up check of the store found after an unclean stop (null after a clean one). */
  storeCheck: StoreCheck | null;
  invoiceMailer: InvoiceMailer;
  /** Patch management: compliance, policies, approvals, installs. */
  patches: Patches;
  /** Signed agent self-update: releases, rollout, pins. */
  updates: Updates;
  /** Remote intervention: signing keys, TOTP, script library, commands, sessions. */
  remote: Remote;
  /** The support mailbox's SMTP port, once listening (when configured). */
  mailPort?: number;
  /** Listens on the configured host and port; resolves to the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Opens the store, runs migrations and assembles the collector (not listening yet). */
/** `serving`: this process serves agents (marks the store in use, checks it after an unclean stop). */
export async function createCollector(config: CollectorConfig, opts: { bus?: ClusterBus; serving?: boolean } = {}): Promise<Collector> {
  assertChannelSettings(config.channel);
  checkMetricsSettings(config.metrics);
  const bus: ClusterBus = opts.bus ?? (config.bus.url ? new NatsBus(parseBusUrl(config.bus.url), config.bus.nodeId) : new LocalBus());
  const startupLog: string[] = [];
  const target = databaseTargetOf(config);
  // PostgreSQL is refused here, before anything is opened or created, while a module still needs SQLite.
  assertServableOn(target);
  // The SQLite file's start-up care (unclean-stop check, disk reserve) has no counterpart on PostgreSQL.
  const dbPath = target.engine === 'sqlite' ? target.path : undefined;
  ensurePrivateDir(config.dataDir);
  // After an unclean stop: what the write-ahead log's recovery will drop, read before opening.
  // Only a serving process marks the store as in use: a CLI command run beside it must not take its mark.
  const marker = opts.serving && dbPath ? new RunMarker(dbPath, bus.workerId) : null;
  const wal = marker?.foundAtStart && dbPath ? inspectWalBeforeOpen(dbPath) : null;
  // A serving collector keeps a reserve of disk space beside the store: on a disk found full, giving
  // it up is what lets SQLite open the store at all (then reads are served, data refused).
  const reserve = opts.serving && dbPath && dbPath !== ':memory:' ? new DiskReserve(dirname(dbPath), config.storeReserveBytes) : null;
  if (reserve && dbPath) mkdirSync(dirname(dbPath), { recursive: true });
  const startedFull = reserve ? !reserve.prepare() : false;
  const store = await openRelationalStore(target, config.synchronous);
  const check: StoreCheck | null = marker?.foundAtStart && store instanceof Database ? { unclean: true, wal, ...timed(() => quickCheck(store.sqlite)) } : null;
  const metrics = await openMetricStore(store, config.metrics, config.retention, bus.workerId, (msg) => startupLog.push(msg)).catch(async (err) => {
    await store.close();
    throw err;
  });
  // Every module takes a RelationalStore: the same code on the SQLite file and on PostgreSQL.
  const db = store;
  const auth = new AuthRepository(db);
  const tenants = new TenantsRepository(db);
  // New agents pin the provider's current command-signing key (remote intervention, created below).
  const enrollment = new EnrollmentService(db, () => remote.keys.current());
  const devices = new DevicesRepository(db);
  const limiter = new LoginLimiter(db, { limits: config.loginLimits });
  const https = servedOverHttps(config);
  const secureCookies = config.secureCookies || https;

  const app = Fastify({
    ...(config.tls ? { https: readTls(config.tls) } : {}),
    logger: loggerOptions(config.logLevel),
    bodyLimit: config.bodyLimit,
    // X-Forwarded-For and -Proto only from the configured proxies (--trust-proxy): anyone else could forge them.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  const health = new StoreHealth({
    dataDir: dbPath ? dirname(dbPath) : config.dataDir,
    log: app.log.child({ domain: 'store' }),
    reserve,
    probeWrite: () => kvSet(db, 'store.probe', String(Date.now())),
  });
  bus.start?.(app.log.child({ domain: 'cluster-bus' }));
  reportStoreCheck(check, health, app.log, marker?.set() ?? null);
  if (startedFull) health.enter('full', `less than ${config.storeReserveBytes} bytes free at start-up: the reserve was given up to open the store`);
  // A store that cannot take a small write now (started on a full disk) says so from the start.
  await health.probeNow();
  auth.onWriteRefused = (err) => health.writeFailed(err, 'session refresh');
  const publicOrigin = config.notifications.publicUrl ? new URL(config.notifications.publicUrl).origin : undefined;
  const live = new LiveChannel(auth, {
    recheckMs: config.liveRecheckMs,
    allowedOrigins: publicOrigin ? [publicOrigin] : [],
    onError: (err) => app.log.error({ err }, 'live session check failed'),
    // A user who must enrol TOTP first hears nothing live until then (as the API answers nothing else).
    admit: async (user) => !(await remote.totp.required(user)) || (await remote.totp.enabled(user.id)),
  });
  // Live events go through the cluster bus: each process delivers them to the dashboards it holds.
  bus.subscribe((m) => m.type === 'live' && live.publish(m.event));
  const publishLive = (event: LiveEvent) => bus.publish({ type: 'live', event });
  // The dashboards hear when a device's health or connection changes (each client its own devices), in order.
  const deviceEvents = new DeviceEvents({
    clientOf: async (deviceId) => (await db.kysely.selectFrom('devices').select('client_id').where('id', '=', deviceId).executeTakeFirst())?.client_id,
    publish: (deviceId, change, clientId) => publishLive({ type: 'device', clientId, data: { deviceId, change } }),
    log: app.log,
  });
  const remote = createRemote({
    db,
    dataDir: config.dataDir,
    bus,
    log: app.log.child({ domain: 'remote' }),
    publishLive,
    policyFor: (id) => policies.effective(id),
  });
  const policies = new PolicyService(db, config.channel, (o) => remote.checkPolicyScripts(o));
  // A new inventory refreshes what the device list searches (addresses, software).
  // A write refused because the store is full or damaged is counted in the store's summaries, not logged each time.
  const logWriteError = (what: string) => (err: unknown) => {
    if (!health.writeFailed(err, what)) app.log.error({ err }, `${what} failed`);
  };
  const pipeline = new IngestPipeline(
    // The writer follows the store: one SQLite transaction, or one PostgreSQL transaction per batch.
    // The patches and commands domains write in it through Kysely (TransactionalFrameDomains on PostgreSQL).
    store instanceof PostgresDatabase
      ? new PgIngestWriter(store, metrics, { patches: new PatchIngestTx('postgres'), remote: remote.frameSink })
      : new SqliteIngestWriter(store, metrics, remote.frameSink),
    (effects) => {
      remote.afterCommit(effects);
      if (effects.inventoryChanged.length > 0)
        devices.refreshSearch(effects.inventoryChanged.map((c) => c.deviceId)).catch(logWriteError('device search refresh'));
      for (const id of effects.healthChanged) deviceEvents.changed(id, 'health');
    },
    5000,
    health,
  );
  const channel = new AgentChannel(
    db,
    pipeline,
    config.channel,
    app.log.child({ domain: 'agent-channel' }),
    bus,
    {
      policyFor: (deviceId) => policies.effective(deviceId),
      // The hello's own facts (host name, version) are stored with its spool report, in the ingest batch.
      onHello: (agent) => {
        remote.onAgentHello(agent);
        deviceEvents.changed(agent.deviceId, 'connected', agent.clientId);
      },
      onDisconnect: (agent) => deviceEvents.changed(agent.deviceId, 'disconnected', agent.clientId),
    },
    health,
  );
  remote.attach(channel);

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Vigie collector API',
        version: COLLECTOR_VERSION,
        description: `REST API v1; agent protocol v${PROTOCOL_VERSION} on ${AGENT_CHANNEL_PATH}`,
      },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'vigie_session' }, csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' } },
      },
    },
  });
  registerErrorHandling(app, (err, what) => (health.writeFailed(err, what) ? (health.classify(err) as 'full' | 'damaged') : null));
  if (process.env.VIGIE_CHECK_RESPONSES === '1') registerResponseCheck(app);
  for (const msg of startupLog) app.log.info(msg);
  logStoreEvents(app.log, db, metrics);
  registerSecurityHeaders(app, https);
  // Ended sessions close their live sockets on every process (the socket may be held by another worker).
  bus.subscribe((m) => m.type === 'sessions-ended' && live.endSessions({ userId: m.userId, idHash: m.idHash }, m.reason));
  const sessionsEnded = (e: { userId: number; idHash?: string; reason: SessionEndReason }) => bus.publish({ type: 'sessions-ended', ...e });
  registerAuth(app, {
    db,
    auth,
    limiter,
    secureCookies,
    sessionsEnded,
    secondFactor: (userId, input) => remote.totp.checkSignIn(userId, input),
  });
  remote.registerEarly(app, { limiter, sessionsEnded });
  const passwordReset = registerPasswordReset(app, { db, auth, limiter, mail: config.notifications, sessionsEnded });
  // A disabled user's live sockets may be open on any collector process of the cluster.
  bus.subscribe((m) => m.type === 'user-disabled' && live.disconnectUser(m.userId));
  registerUserRoutes(app, db, auth, tenants, {
    onDisabled: (userId) => bus.publish({ type: 'user-disabled', userId }),
    sessionsEnded,
  });
  registerTenantRoutes(app, db, tenants);
  // A device enrolled with another token of its site, committed after a later id, takes the site role from it.
  registerEnrollRoutes(app, db, enrollment, tenants, limiter, async (deviceId, siteId) => {
    const from = await policies.siteRoleTakenBy(deviceId, siteId);
    if (from.length === 0) return;
    // Audited first: an agent that hears the change finds it in the log.
    await audit(db, 'system:policies', 'policy.site-role.moved', `device:${deviceId}`, { siteId, from });
    channel.pushPolicy(from);
  });
  registerPolicyRoutes(app, { db, policies, channel, beforePush: remote.beforePolicyPush });
  registerCheckRoutes(app, { db });
  const tickets = new TicketService(db, app.log);
  registerTicketRoutes(app, tickets, db);
  publishTicketChanges(tickets, publishLive);
  const notifier = new Notifier(db, tickets, config.notifications, app.log);
  const inbound =
    config.mail.inboundPort !== undefined
      ? new InboundMail(db, tickets, {
          host: config.mail.inboundHost,
          port: config.mail.inboundPort,
          supportAddress: config.mail.supportAddress,
          maxMessageBytes: config.mail.maxMessageBytes,
        })
      : undefined;
  const incidents = new IncidentService(db, tickets, config.incidents, (change, incident) =>
    publishLive({ type: 'incident', clientId: incident.client_id, data: { change, incident } }),
  );
  const rules = new RuleEngine(db, metrics, incidents, {
    siteOutageMinAgents: 3,
    siteOutageMinShare: 0.5,
    isConnected: (id) => channel.isConnected(id),
    log: app.log.child({ domain: 'rules' }),
  });
  await rules.ensureDefaults();
  registerIncidentRoutes(app, db);
  registerIncidentAcknowledge(app, {
    db,
    tickets,
    onChange: (incident) => publishLive({ type: 'incident', clientId: incident.client_id, data: { change: 'acknowledged', incident } }),
  });
  registerRuleVocabulary(app, db);
  registerDeviceRoutes(app, { db, devices, metrics, channel, enrollment, policies, offlineAfterMs: config.channel.heartbeatSec * 3000 });
  registerStatsRoutes(app, { db, metrics, retention: config.retention });
  const patches = createPatches({ db, remote, log: app.log.child({ domain: 'patches' }) });
  patches.registerRoutes(app);
  const updates = createUpdates({ db, dataDir: config.dataDir, remote, log: app.log.child({ domain: 'updates' }) });
  updates.registerRoutes(app);
  registerOverviewRoutes(app, { db, offlineAfterMs: config.channel.heartbeatSec * 3000 });
  const billing = new BillingService(db, tickets);
  const invoices = new InvoiceService(db);
  // One plugin per billing resource (contracts, interventions, invoices, payments…), each with its routes and guards.
  for (const plugin of BILLING_PLUGINS) app.register(plugin, { db, billing: billing.resources, invoicing: invoices.resources });
  remote.registerRoutes(app, { billing });
  const flows = new FlowService(db, metrics);
  registerFlowRoutes(app, { flows, tenants });
  const reports = createReports({
    db,
    metrics,
    settings: config.reports,
    retention: config.retention,
    notifications: config.notifications,
    invoices,
    flows: flowStoreSource(db, flows),
    log: app.log.child({ domain: 'reports' }),
    workerId: bus.workerId,
  });
  registerReportRoutes(app, reports);
  registerReportCommentRoutes(app, { comments: new ReportComments(db), archive: reports.archive });
  reports.start();
  // Issued invoices go to the client's billing recipients once, with the reports' delivery policy.
  const invoiceMailTransport = smtpTransport(config.notifications);
  const invoiceMailer = new InvoiceMailer({
    db,
    invoices,
    transport: invoiceMailTransport,
    settings: config.reports,
    log: app.log.child({ domain: 'invoice-mail' }),
    workerId: bus.workerId,
  });
  invoices.onIssued = (id) => invoiceMailer.issued(id);
  app.register(facturXRoutes, { db, invoices, mailer: invoiceMailer });
  invoiceMailer.start();

  registerDownloads(app, config.downloadsDir);

  let jobs: ScheduledJobs | undefined;
  registerHealthRoutes(app, {
    version: COLLECTOR_VERSION,
    ping: () => pingStore(db),
    health,
    check,
    channel,
    pipeline,
    bus,
    jobs: () => jobs,
    rules,
    metrics,
    tickets,
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (config.dashboardDir && existsSync(config.dashboardDir)) {
    await app.register(fastifyStatic, { root: config.dashboardDir, prefix: '/', index: ['index.html'] });
  }

  app.server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === AGENT_CHANNEL_PATH) return channel.handleUpgrade(req, socket, head);
    if (path === LIVE_PATH) return live.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });

  // Timers: the maintenance pass on every process; the jobs that run once in the cluster on one.
  jobs = await startScheduledJobs({
    config,
    serving: opts.serving === true,
    db,
    bus,
    log: app.log,
    health,
    rules,
    patches,
    updates,
    remote,
    metrics,
    flows,
    auth,
    devices,
    invoices,
    logWriteError,
  });

  let closed = false;
  const collector: Collector = {
    app,
    db,
    metrics,
    channel,
    pipeline,
    auth,
    tenants,
    enrollment,
    devices,
    rules,
    tickets,
    billing,
    invoices,
    live,
    notifier,
    reports,
    health,
    storeCheck: check,
    invoiceMailer,
    patches,
    updates,
    remote,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      if (inbound && firstOnMachine(bus)) collector.mailPort = await inbound.listen();
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      if (!https && !isLoopback(config.host))
        app.log.warn(
          { host: config.host },
          'serving plain HTTP on a network address: passwords and session cookies cross the network in clear; use --tls-cert/--tls-key, or a TLS proxy with --public-url https://… and --trust-proxy',
        );
      return `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      await jobs?.close();
      health.close();
      await rules.stop();
      await reports.close();
      invoices.onIssued = undefined;
      await invoiceMailer.stop();
      invoiceMailTransport.close();
      passwordReset.close();
      await inbound?.close();
      live.close();
      await notifier.flush();
      await channel.close();
      await pipeline.drain();
      await app.close();
      await metrics.close();
      await bus.close?.();
      await db.close();
      // A store found damaged stays marked, so that the next start checks it again.
      if (health.condition.state !== 'damaged') marker?.clear();
    },
  };
  return collector;
}

/** Things bound once per machine (the support mailbox's port): the only or first process of a collector. */
function firstOnMachine(bus: ClusterBus): boolean {
  return bus instanceof NatsBus ? bus.localWorker === 1 : bus.workerId === 1;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The PEM files of --tls-cert/--tls-key, with an error that names the file that could not be read. */
function readTls(tls: NonNullable<CollectorConfig['tls']>): { cert: Buffer; key: Buffer } {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new VigieError('VALIDATION', `cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read('certificate', tls.certFile), key: read('key', tls.keyFile) };
}
