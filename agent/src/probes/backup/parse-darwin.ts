/** macOS parser: a pure function of what `tmutil latestbackup` prints. */

export type TimeMachineLatest =
  /** `localTime`: the Mac's wall-clock time, as Time Machine names its backups. */
  { kind: 'backup'; path: string; localTime: string } | { kind: 'none'; said: string } | { kind: 'unavailable'; said: string };

/**
 * HFS+ destinations print `…/Backups.backupdb/<machine>/YYYY-MM-DD-HHMMSS`, APFS ones (macOS 11+)
 * `/Volumes/.timemachine/<uuid>/YYYY-MM-DD-HHMMSS.backup/YYYY-MM-DD-HHMMSS.backup`. Errors come on
 * stdout or stderr depending on the version, so both are read.
 */
export function parseTmutilLatest(stdout: string, stderr: string): TimeMachineLatest {
  const text = `${stdout}\n${stderr}`;
  const path = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.startsWith('/'));
  const m = path ? /(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.backup)?\/?$/.exec(path) : null;
  if (path && m) return { kind: 'backup', path, localTime: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` };
  const said =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  if (/Failed to mount|not available|could not be found|unable to (locate|access)|Code=(17|18)\b/i.test(text))
    return { kind: 'unavailable', said: said.slice(0, 300) };
  return { kind: 'none', said: said.slice(0, 300) };
}

/** `tmutil destinationinfo`: one `Name : …` / `ID : …` block per destination, or "No destinations configured." */
export function parseTmutilDestinations(stdout: string): { name: string; kind?: string }[] {
  const names = [...stdout.matchAll(/^Name\s*:\s*(.+)$/gm)].map((m) => m[1]!.trim());
  const kinds = [...stdout.matchAll(/^Kind\s*:\s*(.+)$/gm)].map((m) => m[1]!.trim());
  return names.map((name, i) => ({ name, ...(kinds[i] ? { kind: kinds[i] } : {}) }));
}
