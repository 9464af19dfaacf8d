import { join } from 'node:path';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './auth/login-limiter.js';
import { type BusSettings, defaultNodeId } from './cluster/bus-settings.js';
import { DEFAULT_INCIDENT_SETTINGS, type IncidentSettings } from './incidents/service.js';
import { type ChannelSettings, DEFAULT_CHANNEL_SETTINGS } from './ingest/policy.js';
import { DEFAULT_REPORT_SETTINGS, type ReportSettings } from './reports/settings.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './store/metric-store.js';
import type { MetricsSettings } from './store/open-metric-store.js';

export interface CollectorConfig {
  host: string;
  port: number;
  /** Folder for the embedded store (`vigie.db`). */
  dataDir: string;
  /** ':memory:' or a file; defaults to `<dataDir>/vigie.db`. */
  dbPath?: string;
  /**
   * The relational store on PostgreSQL (`--database postgres://…`, VIGIE_DATABASE_URL) instead of
   * the SQLite file; metrics then default to the same database. Checked by store/database-target.ts.
   */
  databaseUrl?: string;
  synchronous: 'full' | 'normal';
  channel: ChannelSettings;
  /** The metric store: SQLite (default) or InfluxDB (`--metrics`, VIGIE_METRICS_URL). */
  metrics: MetricsSettings;
  retention: RetentionPolicy;
  /** The support mailbox (inbound SMTP) — off unless a port is given. */
  mail: { inboundHost: string; inboundPort?: number | undefined; supportAddress: string; maxMessageBytes: number };
  notifications: { smtpUrl?: string | undefined; from: string; webhooks: string[]; webhookSecret?: string | undefined; publicUrl?: string | undefined };
  incidents: IncidentSettings;
  /** Rules evaluation period (0 = only when called). */
  rulesIntervalMs: number;
  /** Patch schedule period: security updates in maintenance windows, approved updates (0 = only on approval). */
  patchIntervalMs: number;
  /** Agent rollout period: update manifests signed for the agents whose turn it is (0 = never). */
  rolloutIntervalMs: number;
  /** Issue last month's invoices automatically (month-end job, on the collector holding the jobs' lease). */
  invoicing: boolean;
  /** How often the month-end job looks for invoices to issue (the first time after at most a minute). */
  invoicingIntervalMs: number;
  /** The scheduled jobs' lease in the database: a collector that died is replaced after this long. */
  jobsLeaseTtlMs: number;
  /** Monthly activity reports: schedule (cron, Europe/Paris), retries, default language. */
  reports: ReportSettings;
  /** Rollup pass period. */
  maintenanceIntervalMs: number;
  /** Disk space kept in reserve beside the store (see store/reserve.ts); 0 = none. */
  storeReserveBytes: number;
  /** Folder of the agent installers offered for download (`installers/dist`). */
  downloadsDir?: string | undefined;
  /** Folder of the dashboard's static files, if it should be served. */
  dashboardDir?: string | undefined;
  /** Session cookies marked Secure (also when TLS is served or the public URL is https). */
  secureCookies: boolean;
  /** Serve HTTPS (and WSS) directly: PEM files, read at start. */
  tls?: { certFile: string; keyFile: string } | undefined;
  /**
   * Proxies (addresses or CIDR blocks, or proxy-addr's `loopback`, `linklocal`, `uniquelocal`) whose
   * X-Forwarded-For / -Proto are believed; from anyone else they are ignored. Empty: none.
   */
  trustProxy: string[];
  /** Failed sign-ins (and enrolments) allowed per account, address and trusted browser within 15 minutes. */
  loginLimits: LoginLimits;
  /** How often each live socket's session is checked again (expiry). */
  liveRecheckMs: number;
  logLevel: string;
  /** Bytes accepted in a REST body. */
  bodyLimit: number;
  /** Other collectors of the cluster, over NATS (`--bus`, VIGIE_BUS_URL), and this one's name (`--node-id`). */
  bus: BusSettings;
}

export function defaultConfig(overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  const dataDir = overrides.dataDir ?? join(process.cwd(), '.vigie', 'collector');
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir,
    synchronous: 'full',
    channel: { ...DEFAULT_CHANNEL_SETTINGS },
    metrics: {},
    retention: { ...DEFAULT_RETENTION },
    maintenanceIntervalMs: 60_000,
    storeReserveBytes: 8 * 1024 * 1024,
    rulesIntervalMs: 15_000,
    patchIntervalMs: 60_000,
    rolloutIntervalMs: 60_000,
    invoicing: true,
    invoicingIntervalMs: 3_600_000,
    jobsLeaseTtlMs: 30_000,
    reports: { ...DEFAULT_REPORT_SETTINGS },
    incidents: { ...DEFAULT_INCIDENT_SETTINGS },
    mail: { inboundHost: '127.0.0.1', supportAddress: 'support@vigie.local', maxMessageBytes: 10 * 1024 * 1024 },
    notifications: { from: 'Vigie <noreply@vigie.local>', webhooks: [] },
    secureCookies: false,
    trustProxy: [],
    loginLimits: { ...DEFAULT_LOGIN_LIMITS },
    liveRecheckMs: 15_000,
    logLevel: 'info',
    bodyLimit: 1024 * 1024,
    bus: { nodeId: defaultNodeId(overrides.port ?? 8080) },
    ...overrides,
  };
}

/** Whether the browser reaches the collector over HTTPS: TLS served here, or an https public URL (a TLS proxy in front). */
export function servedOverHttps(config: Pick<CollectorConfig, 'tls' | 'notifications'>): boolean {
  return config.tls !== undefined || (config.notifications.publicUrl?.startsWith('https://') ?? false);
}
