/** Windows parsers: pure functions of what `wbadmin` and PowerShell print. */

export interface WbadminVersion {
  /** `MM/DD/YYYY-HH:MM`, which wbadmin writes in UTC whatever the display language. */
  versionId: string;
  at: number;
  location?: string;
  canRecover?: string;
}

const VERSION_ID = /(\d{2})\/(\d{2})\/(\d{4})-(\d{2}):(\d{2})\s*$/;

/**
 * `wbadmin get versions`: one block per backup, blank-line separated. Labels are translated
 * ("Version identifier" / "Identificateur de version"), the identifier's format is not, so a block
 * is recognised by its identifier. The localised "Backup time" line is left alone.
 */
export function parseWbadminVersions(stdout: string): WbadminVersion[] {
  const versions: WbadminVersion[] = [];
  for (const block of stdout.split(/\r?\n\s*\r?\n/)) {
    const lines = block.split(/\r?\n/).map((l) => l.trim());
    const idLine = lines.find((l) => VERSION_ID.test(l) && l.includes(':') && !/^\d/.test(l));
    const m = idLine ? VERSION_ID.exec(idLine) : null;
    if (!m) continue;
    const [, mo, d, y, h, mi] = m.map(Number) as [number, number, number, number, number, number];
    const field = (re: RegExp) => lines.find((l) => re.test(l))?.replace(/^[^:]*:\s*/, '');
    versions.push({
      versionId: m[0].trim(),
      at: Date.UTC(y, mo - 1, d, h, mi),
      location: field(/^(Backup location|Backup target|Emplacement de (la )?sauvegarde|Cible de (la )?sauvegarde)\s*:/i),
      canRecover: field(/^(Can recover|Récupération possible|Peut récupérer)\s*:/i),
    });
  }
  return versions;
}

export interface VeeamJobRun {
  log: string;
  job: string;
  result: 'Success' | 'Warning' | 'Failed';
  at: number;
  message: string;
}

interface VeeamEventJson {
  LogName?: string;
  Level?: number;
  TimeMs?: number;
  Message?: string;
}

const LEVEL_RESULT: Record<number, VeeamJobRun['result']> = { 2: 'Failed', 3: 'Warning', 4: 'Success' };

/**
 * Event 190 ("job finished") of the `Veeam Agent` (Veeam Agent for Windows) and `Veeam Backup`
 * (Backup & Replication) logs, as our script prints them with ConvertTo-Json — one object when there
 * is a single event, an array otherwise, nothing when neither log exists. The message names the job
 * and its result ("… 'Job' finished with Warning."); the level is the fallback.
 */
export function parseVeeamEvents(stdout: string): VeeamJobRun[] {
  if (stdout.trim() === '') return [];
  const raw = JSON.parse(stdout) as VeeamEventJson | VeeamEventJson[];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((e) => {
    if (typeof e.TimeMs !== 'number' || typeof e.Message !== 'string') return [];
    const m = /'(.+)' finished with (Success|Warning|Failed)/i.exec(e.Message);
    const said = m?.[2] ? ((m[2][0]!.toUpperCase() + m[2].slice(1).toLowerCase()) as VeeamJobRun['result']) : undefined;
    const result = said ?? LEVEL_RESULT[e.Level ?? 0];
    if (!result) return [];
    return [{ log: e.LogName ?? 'Veeam', job: m?.[1] ?? 'job', result, at: e.TimeMs, message: e.Message.split(/\r?\n/)[0]!.slice(0, 300) }];
  });
}
