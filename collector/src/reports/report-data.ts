/**
 * The monthly activity report as data: what the builder gathers and the PDF draws, frozen as JSON
 * in the archive so that a report re-rendered later (or in another language) says the same thing.
 * Times are UTC milliseconds, money integer cents, calendar dates Europe/Paris 'YYYY-MM-DD'.
 * A section with nothing to show keeps an empty list: the PDF says so rather than leaving it out.
 */

export const REPORT_DATA_VERSION = 1;

export type ReportLang = 'fr' | 'en';

/** Mean and median of durations in ms over `count` tickets; null when there is none. */
export interface Timing {
  count: number;
  meanMs: number | null;
  medianMs: number | null;
}

export interface DeviceAvailabilityFigure {
  deviceId: number;
  hostname: string;
  siteId: number;
  /** 'agentless' when counted from its site agent's answered polls (absent from older reports). */
  kind?: string;
  pct: number | null;
  expectedBuckets: number;
  seenBuckets: number;
}

export interface SiteAvailabilityFigure {
  siteId: number;
  name: string;
  devices: number;
  pct: number | null;
}

export interface SupervisionSection {
  devices: { total: number; byPlatform: Record<string, number>; enrolledInMonth: number };
  availability: {
    /** Rollup resolution the heartbeats were counted in. */
    resolution: '5m' | '1h';
    clientPct: number | null;
    devices: DeviceAvailabilityFigure[];
    sites: SiteAvailabilityFigure[];
  };
  incidents: {
    total: number;
    bySeverity: { critical: number; warning: number };
    /** Recorded without a ticket (maintenance window, site outage). */
    suppressed: number;
    /** Still open at the end of the period. */
    openAtEnd: number;
    /** Acknowledgement and resolution of the incidents' tickets, from their timeline. */
    acknowledge: Timing;
    resolve: Timing;
  };
}

export interface WeekFigure {
  /** Paris date of the week's first day inside the month. */
  from: string;
  opened: number;
  resolved: number;
}

export interface TicketsSection {
  opened: number;
  openedByChannel: Record<string, number>;
  /** Tickets that reached "resolved" (or "closed" without it) during the period. */
  resolved: number;
  closed: number;
  /** Open (not resolved nor closed) at the end of the period. */
  openAtEnd: number;
  /** Tickets whose SLA deadline fell in the period (contract 2.6). */
  sla: { withDeadline: number; met: number; missed: number; breached: number; compliancePct: number | null };
  acknowledge: Timing;
  resolve: Timing;
  perWeek: WeekFigure[];
  /** The tickets opened in the period (at most a page's worth; `more` counts the rest). */
  list: { id: number; title: string; channel: string; priority: string; status: string; receivedAt: number; sla: string }[];
  more: number;
}

export interface InterventionFigure {
  id: number;
  date: string;
  ticketId: number;
  ticketTitle: string;
  kind: 'programmed' | 'urgent';
  mode: 'on_site' | 'remote';
  minutes: number;
  unit: string;
  unitCount: number;
  amountCents: number;
  expensesCents: number;
}

export interface InterventionsSection {
  rows: InterventionFigure[];
  totals: { count: number; minutes: number; billedMinutes: number; amountCents: number; expensesCents: number };
}

export interface BackupFigure {
  deviceId: number;
  hostname: string;
  target: string;
  /** Probe runs in the period, and those whose verdict was OK. */
  runs: number;
  okRuns: number;
  okPct: number | null;
  /** Distinct restore points dated in the period (last successful backup times reported). */
  restorePoints: number;
  lastSuccessAt: number | null;
  /** Longest time in the period without a known successful backup. */
  longestGapMs: number;
  /** The longest gap was still running at the end of the period. */
  gapAtEnd: boolean;
  statusAtEnd: string;
}

export interface ComplianceFinding {
  deviceId: number;
  hostname: string;
  target: string;
  status: string;
  code: string;
  message: string;
  /** The finding in each report language (reports archived before it have only `message`). */
  text?: { fr: string; en: string };
}

export interface ComplianceSection {
  /** Devices with at least one result in the period, and those whose every target was OK at its end. */
  devicesReporting: number;
  devicesCompliant: number;
  /** Share of the period's results that were OK. */
  okPct: number | null;
  /** Per target (antivirus product, security aspect): devices OK at the period's end over devices reporting it. */
  targets: { target: string; reporting: number; compliant: number }[];
  findings: ComplianceFinding[];
  /** Devices of the client that sent no such result in the period. */
  devicesSilent: number;
}

export interface InventoryChangeFigure {
  at: number;
  hostname: string;
  section: string;
  change: 'added' | 'removed' | 'changed';
  item: string;
}

export interface InventoryKindFigure {
  added: number;
  removed: number;
  changed: number;
  items: InventoryChangeFigure[];
  more: number;
}

export interface DeliveredFigure {
  deliveredOn: string;
  description: string;
  serial: string | null;
  /** The supervised device whose serial it is, once its agent reported it. */
  hostname: string | null;
}

export interface InventorySection {
  newDevices: { hostname: string; at: number }[];
  /** Hardware the provider delivered in the period (absent from reports archived before it was listed). */
  delivered?: DeliveredFigure[];
  hardware: InventoryKindFigure;
  software: InventoryKindFigure;
}

export interface WarrantyFigure {
  description: string;
  serial: string | null;
  deliveredOn: string;
  warrantyEnd: string;
  /** Already over at the end of the period. */
  ended: boolean;
}

export interface WarrantiesSection {
  from: string;
  to: string;
  items: WarrantyFigure[];
}

/**
 * A client's network flows over the period, as a flow store will summarise them (NetFlow/IPFIX
 * from the site role). No store exists yet: the builder is given a FlowSource, and the default one
 * answers null, which the PDF prints as "no flow data for the period".
 */
export interface FlowSummary {
  totalBytes: number;
  totalFlows: number;
  /** Exporters (routers, site agents) that sent flows. */
  exporters: number;
  byDay: { date: string; bytes: number }[];
  topHosts: { address: string; hostname?: string; bytesIn: number; bytesOut: number }[];
  topServices: { protocol: string; port: number | null; label?: string; bytes: number }[];
  topDestinations: { address: string; name?: string; bytes: number }[];
}

export interface FlowSource {
  summarize(clientId: number, period: { from: number; to: number }): Promise<FlowSummary | null>;
}

export const NO_FLOWS: FlowSource = { summarize: async () => null };

/** Pending updates at the period's end (the patches domain's dated history) and what stopped being pending during it. */
export interface PatchesSection {
  /** The "pending for more than N days" threshold. */
  days: number;
  devices: number;
  upToDate: number;
  pending: number;
  overdue: number;
  /** Devices that never reported a list by the period's end. */
  unknown: number;
  rebootPending: number;
  withSecurity: number;
  /** Updates no longer pending at the end that were at some point in the period (installed, mostly). */
  applied: { updates: number; security: number; devices: number };
  /** The devices behind, the most overdue first. */
  behind: { hostname: string; pending: number; security: number; overdue: number; oldestPendingSince: number | null; rebootPending: boolean | null }[];
  /** Behind devices not listed. */
  more: number;
}

/** Remote actions on the client's machines in the period (issue 16): what, where, by whom, how it ended. */
export interface RemoteActionsSection {
  total: number;
  refused: number;
  rows: { at: number; hostname: string; action: string; script: string | null; by: string; state: string; exitCode: number | null; errorCode: string | null }[];
  more: number;
}

export interface MonthlyReport {
  version: typeof REPORT_DATA_VERSION;
  clientId: number;
  clientName: string;
  /** Who sends it: the seller of the billing settings, when set. */
  provider: string | null;
  /** The provider's identity for the header (absent from reports archived before it was printed). */
  providerIdentity?: { name: string; address: string[]; siren?: string; email?: string; phone?: string; hasLogo: boolean } | null;
  /** The technician's word on the month, printed on the summary page. */
  comment?: { text: string; authorName: string | null; updatedAt: number } | null;
  month: string;
  period: { from: number; to: number; firstDay: string; lastDay: string };
  generatedAt: number;
  /** Generated before the period ended: figures stop at `generatedAt`. */
  partial: boolean;
  sites: { id: number; name: string }[];
  supervision: SupervisionSection;
  tickets: TicketsSection;
  interventions: InterventionsSection;
  /** Absent from reports archived before remote intervention existed. */
  remoteActions?: RemoteActionsSection;
  backups: BackupFigure[];
  antivirus: ComplianceSection;
  security: ComplianceSection;
  inventory: InventorySection;
  warranties: WarrantiesSection;
  flows: FlowSummary | null;
  /** Absent from reports archived before patch management existed. */
  patches?: PatchesSection;
}
