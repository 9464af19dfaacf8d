import type { Generated } from 'kysely';

/** Rules and maintenance windows (rules/, incidents/), as Kysely sees them; incidents themselves are in schema.ts. */
export interface RulesTable {
  id: Generated<number>;
  /** A default rule's stable key (rules/defaults.ts); null for the ones staff created. */
  key: string | null;
  name: string;
  type: string;
  severity: string;
  enabled: Generated<number>;
  /** JSON. */
  params: string;
  updated_at: number;
}
export interface MaintenanceWindowsTable {
  id: Generated<number>;
  scope: 'client' | 'site' | 'device';
  scope_id: number;
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: number | null;
  created_at: number;
}
export interface IncidentTables {
  rules: RulesTable;
  maintenance_windows: MaintenanceWindowsTable;
}
