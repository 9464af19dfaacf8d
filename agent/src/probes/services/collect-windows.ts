import type { ProbeContext } from '../probe.js';
import type { PlatformServices } from './model.js';
import { parseProcesses, parseServices, serviceObservation } from './parse-windows.js';

/** Runs a fixed Windows PowerShell script (no policy value is ever spliced into it except validated integers). */
export async function powershell(ctx: ProbeContext, script: string): Promise<string> {
  const r = await ctx.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`powershell exited with ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
  return r.stdout;
}

export const SERVICES_SCRIPT = 'Get-Service | Select-Object Name,DisplayName,Status,StartType | ConvertTo-Json -Depth 2';
export const topProcessesScript = (sortBy: 'CPU' | 'WorkingSet64', n: number) =>
  `Get-Process | Sort-Object ${sortBy} -Descending | Select-Object -First ${Math.trunc(n)} Name,Id,CPU,WorkingSet64 | ConvertTo-Json -Depth 2`;

/** Windows: the service control manager through Get-Service; Get-Process for the top processes. */
export function windowsServices(ctx: ProbeContext): PlatformServices {
  return {
    async services(required) {
      const list = parseServices(await powershell(ctx, SERVICES_SCRIPT));
      return { method: 'windows-scm', observations: required.map((name) => serviceObservation(name, list)) };
    },
    async topProcesses(n) {
      const [byCpu, byMemory] = await Promise.all([powershell(ctx, topProcessesScript('CPU', n)), powershell(ctx, topProcessesScript('WorkingSet64', n))]);
      return { byCpu: parseProcesses(byCpu), byMemory: parseProcesses(byMemory), source: 'Get-Process (CPU = processor seconds since start)' };
    },
  };
}
