import cluster from 'node:cluster';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VigieError } from '@vigie/shared';
import { exitAfterOutput } from '@vigie/shared/cli';
import { createCollector } from '../app.js';
import { refreshAuditHeadOf } from '../audit/repository.js';
import { verifyAuditLog } from '../audit/verify.js';
import { generatePassword } from '../auth/passwords.js';
import { createUser } from '../auth/users-routes.js';
import { type ClusterBus, IpcBus } from '../cluster/bus.js';
import { checkNodeId, defaultNodeId, parseBusUrl } from '../cluster/bus-settings.js';
import { NatsBus } from '../cluster/nats-bus.js';
import { runPrimary } from '../cluster/primary.js';
import { rotateSigningKey } from '../commands/key-rotation.js';
import { auditHeadPath } from '../commands/module.js';
import { type CollectorConfig, defaultConfig } from '../config.js';
import { runReportCommand, summary } from '../reports/cli.js';
import { Database } from '../store/database.js';
import { parseDatabaseTarget } from '../store/database-target.js';
import { checkStoreFile, describeStoreCheck } from '../store/integrity.js';
import { databaseTargetOf } from '../store/open-relational-store.js';
import { describePgTarget } from '../store/postgres/pg-target.js';
import { PostgresDatabase } from '../store/postgres-database.js';

const USAGE = `vigie-collector <command> [options]

Commands:
  serve                 run the collector (REST API, agent channel, dashboard)
  client create         --name <name>
  client list           every client with its sites
  site create           --client <id|name> --name <name>
  user create           --email <e-mail> --role admin|technician|client [--client <id|name>] [--name <name>] [--password <pw>]
  token create          --site <id> [--uses <n>] [--ttl-hours <h>] [--label <text>]
  audit verify          recompute the audit log's hash chain: exit 1 and name each entry edited or removed
  keys list             the provider's command-signing keys (public parts)
  keys rotate           a new signing key, announced to every agent signed by the old one
  release add           --file <executable> --version <N.N.N> --platform <linux-x64|win32-x64|darwin-x64|…>   an agent version offered for self-update
  release list          the agent versions offered
  report                --month <YYYY-MM> [--client <id|name>] [--lang fr|en] [--send]   monthly activity reports, with progress
                        (--send mails each client's report once per month, as the schedule does)
  store check           [--full]   check the store (quick_check, or integrity_check with --full) and its write-ahead log;
                        exits 1 when damaged (read-only: the collector may be running)

Common options:
  --data-dir <dir>      store folder (default ./.vigie/collector)
  --db <file>           database file (default <data-dir>/vigie.db)
  --database <file|url> the relational store: a SQLite file, or postgres://[user@]host:port/database (password: in the
                        URL or VIGIE_PG_PASSWORD; metrics then default to the same database); or VIGIE_DATABASE_URL
  --metrics <url>       metric store: postgres://[user@]host:port/database for PostgreSQL (partitioned tables,
                        ?sslmode=require for TLS; password: in the URL or VIGIE_PG_PASSWORD), or
                        influx://[user@]host:port/database for InfluxDB 1.x (influxs:// over HTTPS; password: in the
                        URL or VIGIE_INFLUX_PASSWORD); or VIGIE_METRICS_URL; default: the SQLite file
  --json                machine-readable output
Serve options:
  --host <addr> --port <n> --dashboard-dir <dir> --metrics-interval <s> --log-level <level> --sync full|normal
  --workers <n>         run n collector processes on the port (each holds its own agent connections)
  --bus <nats://host:port[,…]>  several collectors (other machines): live events, commands and policies cross
                        them over NATS (JetStream keeps what must arrive); scheduled jobs run on one at a time
                        (or VIGIE_BUS_URL)
  --node-id <name>      this collector's name in the cluster (or VIGIE_NODE_ID; default <host name>-<port>)
  --lease-ttl <s> (30)  the scheduled jobs' lease in the database: another collector takes them over this long after
                        their holder died
  --invoicing-interval <s> (3600)  how often the month-end job looks for last month's invoices to issue
  --mail-port <n> --support-address <addr>   the support mailbox (inbound SMTP): mails from client users become tickets
  --downloads-dir <dir>  agent installers offered at /downloads (installers/dist)
  --heartbeat <s> (30)  agents ping and are pinged this often; silent for 3 heartbeats, a connection is dropped
  --store-reserve-mb <n> (8)  disk space kept beside the store and given up when the disk fills, so the collector still starts
  --patch-interval <s> (60: security updates installed in maintenance windows, approved ones)
  --rollout-interval <s> (60: agents whose turn it is in the rollout get a signed update manifest)
  --rollup-interval <s> (60)  the maintenance pass (from 10): metrics' 5-minute and hourly buckets recomputed, flows'
                        hourly merges, partitions created ahead; 5-minute and hourly charts lag by up to this much
                        (300 for tens of thousands of agents on PostgreSQL: see README, Scaling out)
  --rules-interval <s> (15) --incident-quiet <s> (600: a recovered problem's ticket is resolved after this quiet time)
  --smtp-relay <smtp://host:port> --mail-from <addr> --webhook <url> (repeatable)   notifications (and report mails)
  --tls-cert <pem> --tls-key <pem>   serve HTTPS and WSS directly (Secure cookies, HSTS)
  --public-url <url>    the address users and mails use; https://… behind a TLS proxy gives Secure cookies and HSTS
  --trust-proxy <list>  proxies whose X-Forwarded-For/-Proto are believed: addresses or CIDR blocks, comma-separated
                        (or loopback, linklocal, uniquelocal); without it the headers are ignored
  --report-schedule <cron|off>  monthly reports run ('0 6 1 * *', Europe/Paris: 06:00 on the 1st)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string' },
    db: { type: 'string' },
    database: { type: 'string' },
    metrics: { type: 'string' },
    json: { type: 'boolean', default: false },
    host: { type: 'string' },
    port: { type: 'string' },
    'dashboard-dir': { type: 'string' },
    'metrics-interval': { type: 'string' },
    'patch-interval': { type: 'string' },
    'rollout-interval': { type: 'string' },
    file: { type: 'string' },
    version: { type: 'string' },
    platform: { type: 'string' },
    'log-level': { type: 'string' },
    sync: { type: 'string' },
    workers: { type: 'string' },
    bus: { type: 'string' },
    'node-id': { type: 'string' },
    'lease-ttl': { type: 'string' },
    'invoicing-interval': { type: 'string' },
    'mail-port': { type: 'string' },
    'support-address': { type: 'string' },
    'smtp-relay': { type: 'string' },
    'mail-from': { type: 'string' },
    webhook: { type: 'string', multiple: true },
    'public-url': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trust-proxy': { type: 'string' },
    'rules-interval': { type: 'string' },
    'rollup-interval': { type: 'string' },
    'store-reserve-mb': { type: 'string' },
    heartbeat: { type: 'string' },
    'downloads-dir': { type: 'string' },
    'incident-quiet': { type: 'string' },
    name: { type: 'string' },
    client: { type: 'string' },
    site: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    password: { type: 'string' },
    uses: { type: 'string' },
    'ttl-hours': { type: 'string' },
    label: { type: 'string' },
    month: { type: 'string' },
    lang: { type: 'string' },
    send: { type: 'boolean', default: false },
    'report-schedule': { type: 'string' },
    full: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function need(name: keyof typeof values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new VigieError('VALIDATION', `--${name} is required`);
  return v;
}

function int(name: keyof typeof values): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new VigieError('VALIDATION', `--${name} must be a whole number`);
  return n;
}

function config(): CollectorConfig {
  const c = defaultConfig({
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.db ? { dbPath: values.db } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values.port ? { port: int('port') ?? 8080 } : {}),
    ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
    ...(values.sync === 'normal' ? { synchronous: 'normal' as const } : {}),
    dashboardDir: values['dashboard-dir'],
    downloadsDir: values['downloads-dir'],
  });
  const busUrl = values.bus ?? process.env.VIGIE_BUS_URL;
  c.bus = {
    url: busUrl ? parseBusUrl(busUrl).join(',') : undefined,
    nodeId: checkNodeId(values['node-id'] ?? process.env.VIGIE_NODE_ID ?? defaultNodeId(c.port)),
  };
  // Checked now, before anything is created; a PostgreSQL URL keeps its password out of every message.
  const database = values.database ?? (process.env.VIGIE_DATABASE_URL || undefined);
  if (database !== undefined) {
    const target = parseDatabaseTarget(database);
    if (target.engine === 'sqlite') c.dbPath = target.path;
    else c.databaseUrl = database;
  }
  const metricsUrl = values.metrics ?? process.env.VIGIE_METRICS_URL;
  if (metricsUrl) c.metrics = { url: metricsUrl };
  const interval = int('metrics-interval');
  if (interval) c.channel.metricsIntervalSec = interval;
  if (values['mail-port']) c.mail.inboundPort = int('mail-port');
  if (values.heartbeat) c.channel.heartbeatSec = Math.max(5, int('heartbeat') ?? 30);
  if (values['store-reserve-mb'] !== undefined) c.storeReserveBytes = (int('store-reserve-mb') ?? 8) * 1024 * 1024;
  if (values['lease-ttl']) c.jobsLeaseTtlMs = Math.max(1, int('lease-ttl') ?? 30) * 1000;
  if (values['invoicing-interval']) c.invoicingIntervalMs = Math.max(1, int('invoicing-interval') ?? 3600) * 1000;
  if (values['rollup-interval']) c.maintenanceIntervalMs = Math.max(10, int('rollup-interval') ?? 60) * 1000;
  if (values['rules-interval']) c.rulesIntervalMs = (int('rules-interval') ?? 15) * 1000;
  if (values['patch-interval']) c.patchIntervalMs = (int('patch-interval') ?? 60) * 1000;
  if (values['rollout-interval']) c.rolloutIntervalMs = (int('rollout-interval') ?? 60) * 1000;
  if (values['incident-quiet']) c.incidents.quietPeriodMs = (int('incident-quiet') ?? 600) * 1000;
  if (values['support-address']) c.mail.supportAddress = values['support-address'];
  if (values['report-schedule']) c.reports.schedule = values['report-schedule'] === 'off' ? null : values['report-schedule'];
  if (values['tls-cert'] || values['tls-key']) c.tls = { certFile: need('tls-cert'), keyFile: need('tls-key') };
  if (values['trust-proxy']) c.trustProxy = parseTrustProxy(values['trust-proxy']);
  if (values['public-url'] && !/^https?:\/\/[^/]/.test(values['public-url']))
    throw new VigieError('VALIDATION', '--public-url must be an http:// or https:// URL');
  c.notifications = {
    ...c.notifications,
    smtpUrl: values['smtp-relay'],
    webhooks: values.webhook ?? [],
    webhookSecret: process.env.VIGIE_WEBHOOK_SECRET,
    publicUrl: values['public-url'],
    ...(values['mail-from'] ? { from: values['mail-from'] } : {}),
  };
  return c;
}

/** `10.0.0.1, 10.1.0.0/16, loopback`: what proxy-addr accepts, checked here so a typo fails at start. */
function parseTrustProxy(list: string): string[] {
  const entries = list
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of entries) {
    const [addr = '', bits, ...rest] = e.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(e);
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(addr) === 6 ? 128 : 32));
    if (!named && (isIP(addr) === 0 || !bitsOk || rest.length > 0))
      throw new VigieError('VALIDATION', `--trust-proxy: ${JSON.stringify(e)} is not an address, a CIDR block, loopback, linklocal or uniquelocal`);
  }
  if (entries.length === 0) throw new VigieError('VALIDATION', '--trust-proxy needs at least one address');
  return entries;
}

/**
 * A worker of `--workers N` talks to its siblings through the primary, or, with `--bus`, over NATS
 * like any other collector of the cluster (its name: the collector's, then `-w<n>`).
 */
function workerBus(c: CollectorConfig): ClusterBus | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env.VIGIE_WORKER_ID ?? cluster.worker?.id ?? 1);
  return c.bus.url ? new NatsBus(parseBusUrl(c.bus.url), `${c.bus.nodeId}-w${n}`, n) : new IpcBus(n);
}

function print(human: string, data: Record<string, unknown>): void {
  console.log(values.json ? JSON.stringify(data) : human);
}

async function main(): Promise<number> {
  // Whatever this process writes (the store, and anything added later: keys, exports) is the
  // collector user's alone.
  process.umask(0o077);
  const cmd = positionals.join(' ');
  if (values.help || cmd === '' || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (cmd === 'serve') {
    const workers = int('workers') ?? 1;
    if (workers > 1 && cluster.isPrimary) {
      await runPrimary(config(), workers, (msg) => console.error(msg));
      return -1;
    }
    const c = config();
    const collector = await createCollector(c, { bus: workerBus(c), serving: true });
    const url = await collector.listen();
    collector.app.log.info({ url }, 'vigie collector listening');
    const stop = async () => {
      await collector.close();
      exitAfterOutput(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }
  if (cmd === 'store check') {
    const c = config();
    // quick_check and the write-ahead log are the SQLite file's: a PostgreSQL store has neither, and
    // reporting "ok" on a file the collector does not use would be a lie.
    const target = databaseTargetOf(c);
    if (target.engine === 'postgres') {
      throw new VigieError(
        'VALIDATION',
        `store check examines a SQLite store file; this collector's store is PostgreSQL (${describePgTarget(target.target)}): check it with PostgreSQL's own tools (pg_amcheck, and your backups' restore tests)`,
      );
    }
    const check = checkStoreFile(c.dbPath ?? join(c.dataDir, 'vigie.db'), values.full ?? false);
    print(describeStoreCheck(check), { ...check });
    return check.problems.length > 0 || (check.wal?.lostCommits ?? 0) > 0 ? 1 : 0;
  }
  if (cmd === 'audit verify') {
    // Read only: the store is opened as it is (no migration, no key created).
    const c = config();
    // The store the collector serves: the SQLite file, or PostgreSQL with --database / VIGIE_DATABASE_URL.
    const target = databaseTargetOf(c);
    const db = target.engine === 'postgres' ? new PostgresDatabase({ target: target.target }) : new Database({ path: target.path });
    try {
      const r = await verifyAuditLog(db, auditHeadPath(c.dataDir));
      const lines = r.problems.map((p) => `  entry ${p.id ?? '?'}: ${p.problem}`);
      print(
        r.ok
          ? `audit log intact: ${r.entries} entries, hash chain verified`
          : `AUDIT LOG TAMPERED WITH (${r.problems.length} problem${r.problems.length > 1 ? 's' : ''} in ${r.entries} entries):\n${lines.join('\n')}`,
        {
          ...r,
        },
      );
      return r.ok ? 0 : 1;
    } finally {
      await db.close();
    }
  }
  const collector = await createCollector({ ...config(), logLevel: 'warn' });
  try {
    const resolveClient = async (ref: string): Promise<number> => {
      const byName = await collector.tenants.findClientByName(ref);
      if (byName) return byName.id;
      if (/^\d+$/.test(ref) && (await collector.tenants.getClient(Number(ref)))) return Number(ref);
      throw new VigieError('NOT_FOUND', `No client ${JSON.stringify(ref)}`);
    };
    switch (cmd) {
      case 'client create': {
        const name = need('name');
        const existing = await collector.tenants.findClientByName(name);
        if (existing) throw new VigieError('CONFLICT', `Client ${JSON.stringify(name)} exists (id ${existing.id})`);
        const id = await collector.tenants.createClient(name);
        print(`client ${id} created: ${name}`, { id, name });
        return 0;
      }
      case 'client list': {
        const sites = await collector.tenants.listAllSites();
        const withSites = (await collector.tenants.listClients()).map((c) => ({
          id: c.id,
          name: c.name,
          sites: sites.filter((s) => s.client_id === c.id).map((s) => ({ id: s.id, name: s.name })),
        }));
        print(withSites.map((c) => `${c.id}\t${c.name}\t${c.sites.map((s) => `${s.id} ${s.name}`).join(', ')}`).join('\n'), { clients: withSites });
        return 0;
      }
      case 'site create': {
        const clientId = await resolveClient(need('client'));
        const name = need('name');
        const id = await collector.tenants.createSite(clientId, name);
        print(`site ${id} created for client ${clientId}: ${name}`, { id, clientId, name });
        return 0;
      }
      case 'user create': {
        const role = need('role');
        if (role !== 'admin' && role !== 'technician' && role !== 'client') throw new VigieError('VALIDATION', '--role must be admin, technician or client');
        const email = need('email');
        const password = values.password ?? generatePassword();
        const clientId = values.client ? await resolveClient(values.client) : undefined;
        const id = await createUser(collector.auth, collector.tenants, { email, name: values.name ?? email, role, clientId, password });
        print(`user ${id} created: ${email} (${role})${values.password ? '' : `\npassword: ${password}`}`, {
          id,
          email,
          role,
          ...(values.password ? {} : { password }),
        });
        return 0;
      }
      case 'token create': {
        const siteId = int('site');
        if (!siteId || !(await collector.tenants.getSite(siteId))) throw new VigieError('NOT_FOUND', 'No such site (--site <id>)');
        const ttl = int('ttl-hours');
        const t = await collector.enrollment.createToken(siteId, { label: values.label, maxUses: int('uses'), ttlMs: ttl ? ttl * 3600_000 : undefined });
        print(`enrollment token for site ${siteId} (expires ${new Date(t.expiresAt).toISOString()}, ${t.maxUses} uses):\n${t.token}`, { ...t });
        return 0;
      }
      case 'release add': {
        const r = await collector.updates.releases.add({ file: need('file'), version: need('version'), platform: need('platform'), by: 'cli' });
        print(`agent ${r.version} for ${r.platform} added: ${r.size} bytes, SHA-256 ${r.sha256}`, { ...r });
        return 0;
      }
      case 'release list': {
        const list = await collector.updates.releases.list();
        print(list.map((r) => `${r.version} ${r.platform} ${r.size} ${r.sha256}`).join('\n') || 'no release', { releases: list });
        return 0;
      }
      case 'keys list': {
        const keys = collector.remote.keys.all();
        print(keys.map((k) => `${k.keyId} ${k.retiredAt ? `retired ${new Date(k.retiredAt).toISOString()}` : 'current'} ${k.publicKey}`).join('\n'), { keys });
        return 0;
      }
      case 'keys rotate': {
        const r = await rotateSigningKey(collector.db, collector.remote.keys, { userId: null, name: 'vigie-collector keys rotate' });
        await refreshAuditHeadOf(collector.db);
        print(`signing key ${r.previous.keyId} → ${r.next.keyId}; ${r.agents.length} agents will receive the new key, signed by the old one`, {
          previous: r.previous.keyId,
          next: r.next.keyId,
          agents: r.agents.length,
        });
        return 0;
      }
      case 'report': {
        const lang = values.lang;
        if (lang !== undefined && lang !== 'fr' && lang !== 'en') throw new VigieError('VALIDATION', '--lang must be fr or en');
        const job = await runReportCommand(
          collector.reports,
          { month: need('month'), clientId: values.client ? await resolveClient(values.client) : undefined, lang, send: values.send ?? false },
          (line) => console.error(line),
        );
        print(summary(job), job);
        return job.failed > 0 ? 1 : 0;
      }
      default:
        console.error(`unknown command: ${cmd}\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await collector.close();
  }
}

main().then(
  (code) => {
    if (code >= 0) exitAfterOutput(code);
  },
  (err: unknown) => {
    if (err instanceof VigieError) console.error(`error ${err.code}: ${err.message}`);
    else console.error(err);
    exitAfterOutput(1);
  },
);
