/**
 * The local ceiling: what a machine's own administrator allows the provider to do on it, set at
 * install time in a file only root/Administrator can change. A collector cannot widen it.
 */
export const REMOTE_CEILINGS = ['off', 'actions', 'scripts'] as const;
export type RemoteCeiling = (typeof REMOTE_CEILINGS)[number];
export const DEFAULT_REMOTE_CEILING: RemoteCeiling = 'actions';

/** What each level lets through; `trust` (key rotation) runs nothing and passes every level. */
const LEVEL: Record<RemoteCeiling, number> = { off: 0, actions: 1, scripts: 2 };
export type CeilingNeed = 'trust' | 'actions' | 'scripts';

export function ceilingAllows(ceiling: RemoteCeiling, need: CeilingNeed): boolean {
  return need === 'trust' || LEVEL[ceiling] >= LEVEL[need];
}

/**
 * Parses a ceiling file: one `remote: <level>` line, `#` comments, blank lines. Anything else is an
 * error (the agent then honours nothing: a ceiling it cannot read is `off`).
 */
export function parseCeilingFile(text: string): { ok: true; ceiling: RemoteCeiling } | { ok: false; error: string } {
  let found: RemoteCeiling | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const m = /^remote\s*[:=]\s*([a-z]+)$/.exec(line);
    if (!m || !(REMOTE_CEILINGS as readonly string[]).includes(m[1]!))
      return { ok: false, error: `line ${i + 1}: expected "remote: off | actions | scripts", got ${JSON.stringify(raw.slice(0, 80))}` };
    if (found !== undefined) return { ok: false, error: `line ${i + 1}: "remote" set twice` };
    found = m[1] as RemoteCeiling;
  }
  if (found === undefined) return { ok: false, error: 'no "remote:" line' };
  return { ok: true, ceiling: found };
}
