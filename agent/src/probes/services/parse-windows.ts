import type { ProcessUsage, ServiceObservation } from './model.js';

/** ServiceControllerStatus, as Windows PowerShell 5.1's ConvertTo-Json writes it (a number). */
const STATUS: Record<number, string> = {
  1: 'Stopped',
  2: 'StartPending',
  3: 'StopPending',
  4: 'Running',
  5: 'ContinuePending',
  6: 'PausePending',
  7: 'Paused',
};
/** ServiceStartMode. */
const START_TYPE: Record<number, string> = { 0: 'Boot', 1: 'System', 2: 'Automatic', 3: 'Manual', 4: 'Disabled' };

/** ConvertTo-Json prints a bare object, not an array, for a single item; nothing at all for none. */
export function jsonList(text: string): Record<string, unknown>[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return [];
  const parsed: unknown = JSON.parse(trimmed);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

const enumName = (v: unknown, names: Record<number, string>) => (typeof v === 'number' ? (names[v] ?? String(v)) : typeof v === 'string' ? v : 'Unknown');

export interface WindowsService {
  name: string;
  displayName: string;
  status: string;
  startType: string;
}

/** `Get-Service | Select-Object Name,DisplayName,Status,StartType | ConvertTo-Json` (enums as numbers in 5.1, names when -EnumsAsStrings). */
export function parseServices(text: string): WindowsService[] {
  return jsonList(text)
    .filter((s) => typeof s.Name === 'string')
    .map((s) => ({
      name: s.Name as string,
      displayName: typeof s.DisplayName === 'string' ? s.DisplayName : '',
      status: enumName(s.Status, STATUS),
      startType: enumName(s.StartType, START_TYPE),
    }));
}

/** A required name against the service list: the service name first, then the display name, case-insensitively (as Windows does). */
export function serviceObservation(required: string, services: readonly WindowsService[]): ServiceObservation {
  const want = required.toLowerCase();
  const s = services.find((x) => x.name.toLowerCase() === want) ?? services.find((x) => x.displayName.toLowerCase() === want);
  if (!s) return { name: required, state: 'missing', detail: 'no such service' };
  const values = { service: s.name, displayName: s.displayName, status: s.status, startType: s.startType };
  return { name: required, state: s.status === 'Running' ? 'running' : 'stopped', detail: `${s.status} (start: ${s.startType})`, values };
}

/** `Get-Process | Sort-Object … | Select-Object -First N Name,Id,CPU,WorkingSet64 | ConvertTo-Json`. CPU is processor seconds, null for protected processes. */
export function parseProcesses(text: string): ProcessUsage[] {
  return jsonList(text)
    .filter((p) => typeof p.Id === 'number')
    .map((p) => ({
      pid: p.Id as number,
      name: typeof p.Name === 'string' ? p.Name : '?',
      cpuPct: null,
      cpuSeconds: typeof p.CPU === 'number' ? Math.round(p.CPU * 100) / 100 : null,
      rssBytes: typeof p.WorkingSet64 === 'number' ? p.WorkingSet64 : 0,
    }));
}
