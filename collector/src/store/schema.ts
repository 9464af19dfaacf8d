import type { Generated } from 'kysely';
import type { AuthTables } from './schema-auth.js';
import type { BillingTables } from './schema-billing.js';
import type { CommandTables } from './schema-commands.js';
import type { IncidentTables } from './schema-incidents.js';
import type { PatchTables } from './schema-patches.js';
import type { ReportTables } from './schema-reports.js';

/** Relational tables, as Kysely sees them. Times are UTC milliseconds; money would be integer cents. */
export interface ClientsTable {
  id: Generated<number>;
  name: string;
  created_at: number;
  /** Monitoring tickets shown to the client as soon as they open (else internal until published). */
  publish_monitoring_tickets: Generated<number>;
}
export interface SitesTable {
  id: Generated<number>;
  client_id: number;
  name: string;
  created_at: number;
}
export type Role = 'admin' | 'technician' | 'client';
export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  role: Role;
  client_id: number | null;
  password_hash: string;
  locale: string;
  created_at: number;
  disabled_at: number | null;
}
export interface SessionsTable {
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}
export interface EnrollmentTokensTable {
  id: Generated<number>;
  site_id: number;
  token_hash: string;
  label: string;
  expires_at: number;
  max_uses: number;
  uses: number;
  revoked_at: number | null;
  created_by: number | null;
  created_at: number;
}
export interface DevicesTable {
  id: Generated<number>;
  site_id: number;
  client_id: number;
  kind: 'agent' | 'agentless';
  hostname: string;
  platform: string | null;
  arch: string | null;
  os_name: string | null;
  serial: string | null;
  machine_uuid: string | null;
  inventory_hash: string | null;
  created_at: number;
  last_seen_at: number | null;
  /** An agentless device: the device whose agent polls it (site role). */
  watcher_id: number | null;
  /** An agentless device's identity as its site agent reported it (JSON). */
  site_data: string | null;
  /** An agentless device's key on its site ('snmp:<address>[:<port>]'), unique per site (migration 007). */
  external_key: string | null;
}
/** What the device list searches besides names: the latest inventory's addresses and software names. */
export interface DeviceSearchTable {
  device_id: number;
  /** IPv4 then IPv6 addresses, newline-separated. */
  ips: string;
  /** Software names, newline-separated. */
  software: string;
}
export interface AgentsTable {
  id: string;
  device_id: number;
  secret_hash: string;
  enrollment_token_id: number | null;
  agent_version: string | null;
  created_at: number;
  revoked_at: number | null;
  last_seq: number;
  last_seen_at: number | null;
  frames_stored: Generated<number>;
  spool_next_seq: number | null;
  spool_dropped_frames: Generated<number>;
  spool_unspooled_frames: Generated<number>;
  spool_in_doubt_frames: Generated<number>;
  spool_pending_frames: Generated<number>;
  spool_last_drop_id: Generated<number>;
  spool_reported_at: number | null;
}
export interface InventorySnapshotsTable {
  id: Generated<number>;
  device_id: number;
  collected_at: number;
  received_at: number;
  hash: string;
  data: string;
}
export interface InventoryChangesTable {
  id: Generated<number>;
  device_id: number;
  snapshot_id: number;
  changed_at: number;
  section: string;
  change: 'added' | 'removed' | 'changed';
  item_key: string;
  before: string | null;
  after: string | null;
}
export interface CheckResultsTable {
  id: Generated<number>;
  device_id: number;
  check: string;
  target: string;
  status: string;
  code: string;
  message: string;
  values: string | null;
  observed_at: number;
}
export interface CheckStateTable {
  device_id: number;
  check: string;
  target: string;
  status: string;
  code: string;
  message: string;
  values: string | null;
  observed_at: number;
  since: number;
}
/** One problem a rule found (rules/), linked to its ticket; written by the rules engine. */
export interface IncidentsTable {
  id: Generated<number>;
  fingerprint: string;
  client_id: number;
  site_id: number;
  device_id: number | null;
  rule_id: number;
  /** A check rule's is `check:target`; other rules' a series or a device. */
  target: string;
  severity: 'warning' | 'critical';
  status: string;
  flapping: Generated<number>;
  suppressed: string | null;
  message: string;
  opened_at: number;
  recovered_at: number | null;
  resolved_at: number | null;
  ticket_id: number | null;
  acknowledged_at: number | null;
  acknowledged_by: number | null;
}
export interface AgentEventsTable {
  id: Generated<number>;
  device_id: number;
  seq: number;
  kind: string;
  severity: string;
  message: string;
  data: string | null;
  occurred_at: number;
  received_at: number;
}
export interface CommandResultsTable {
  id: Generated<number>;
  device_id: number;
  command_id: string;
  ok: number;
  output: string | null;
  error: string | null;
  received_at: number;
}
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
  details: string | null;
  client_id: number | null;
  device_id: number | null;
  result: string | null;
  prev_hash: string;
  hash: string;
}
export interface SeriesTable {
  id: Generated<number>;
  device_id: number;
  key: string;
  name: string;
  labels: string;
}
export interface PoliciesTable {
  scope: 'client' | 'site' | 'device';
  scope_id: number;
  body: string;
  version: number;
  updated_at: number;
  updated_by: number | null;
}
export type TicketStatus = 'new' | 'acknowledged' | 'in_progress' | 'waiting_client' | 'resolved' | 'closed';
export interface TicketsTable {
  id: Generated<number>;
  client_id: number;
  title: string;
  description: string;
  channel: 'portal' | 'email' | 'phone' | 'monitoring';
  kind: 'urgent' | 'programmed';
  mode: 'remote' | 'on_site';
  priority: 'low' | 'normal' | 'high' | 'critical';
  status: TicketStatus;
  assignee_id: number | null;
  received_at: number;
  sla_start_at: number;
  sla_deadline_at: number | null;
  planned_date: string | null;
  intervention_started_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  fingerprint: string | null;
  /** 0: an internal monitoring ticket the client does not see (yet). */
  client_visible: Generated<number>;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}
export interface TicketDevicesTable {
  ticket_id: number;
  device_id: number;
}
export interface TicketEventsTable {
  id: Generated<number>;
  ticket_id: number;
  at: number;
  author_id: number | null;
  author: string;
  type: string;
  body: string;
}
export interface TicketAttachmentsTable {
  id: Generated<number>;
  ticket_id: number;
  name: string;
  type: string;
  size: number;
  sha256: string;
  data: Buffer;
  created_by: number | null;
  created_at: number;
}
export interface TicketLinksTable {
  ticket_id: number;
  linked_id: number;
  created_by: number | null;
  created_at: number;
}
export interface KvTable {
  key: string;
  value: string;
}

export interface ReportCommentsTable {
  client_id: number;
  month: string;
  text: string;
  author_id: number | null;
  updated_at: number;
}

/** A once-in-the-cluster job's lease (cluster/lease.ts). */
export interface ClusterLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
  acquired_at: number;
}

/** Every table; billing's are declared in `schema-billing.ts`, sign-in's beyond users and sessions in `schema-auth.ts`, reports' and flows' in `schema-reports.ts`, patches' and agent updates' in `schema-patches.ts`, commands' in `schema-commands.ts`, rules' and maintenance windows' in `schema-incidents.ts`. */
export interface DB extends BillingTables, AuthTables, ReportTables, PatchTables, CommandTables, IncidentTables {
  cluster_leases: ClusterLeasesTable;
  report_comments: ReportCommentsTable;
  clients: ClientsTable;
  sites: SitesTable;
  users: UsersTable;
  sessions: SessionsTable;
  enrollment_tokens: EnrollmentTokensTable;
  devices: DevicesTable;
  device_search: DeviceSearchTable;
  agents: AgentsTable;
  inventory_snapshots: InventorySnapshotsTable;
  inventory_changes: InventoryChangesTable;
  check_results: CheckResultsTable;
  check_state: CheckStateTable;
  incidents: IncidentsTable;
  agent_events: AgentEventsTable;
  command_results: CommandResultsTable;
  audit_log: AuditLogTable;
  series: SeriesTable;
  kv: KvTable;
  policies: PoliciesTable;
  tickets: TicketsTable;
  ticket_devices: TicketDevicesTable;
  ticket_events: TicketEventsTable;
  ticket_attachments: TicketAttachmentsTable;
  ticket_links: TicketLinksTable;
}
