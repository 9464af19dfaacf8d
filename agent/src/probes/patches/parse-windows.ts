import type { PendingUpdate } from '@vigie/shared';

/** Category "Security Updates": the same id in every language of Windows. */
export const SECURITY_CATEGORY = '0fa1201d-4330-4fa8-8ae9-b877473b6441';
/** Definition updates (Defender's signatures) protect too. */
export const DEFINITION_CATEGORY = 'e0789628-ce08-4437-be74-2495b842f43b';

interface RawUpdate {
  UpdateID?: unknown;
  Revision?: unknown;
  Title?: unknown;
  KB?: unknown;
  Severity?: unknown;
  Reboot?: unknown;
  Categories?: unknown;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v]);

/**
 * Our Windows Update script (collect-windows.ts) prints one JSON object: whether the system waits
 * for a restart (`Microsoft.Update.SystemInfo.RebootRequired`) and the updates the searcher found
 * (`IsInstalled=0 and IsHidden=0`), each with its UpdateID, revision, title, KBs, MSRC severity,
 * InstallationBehavior.RebootBehavior (0 never, 1 always, 2 can ask) and category ids.
 */
export function parseWindowsUpdates(text: string): { rebootPending: boolean; updates: PendingUpdate[] } {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  let parsed: { RebootRequired?: unknown; Updates?: unknown };
  try {
    parsed = JSON.parse(trimmed) as typeof parsed;
  } catch {
    throw new Error(`unexpected Windows Update answer: ${trimmed.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.RebootRequired !== 'boolean')
    throw new Error(`unexpected Windows Update answer: ${trimmed.slice(0, 200)}`);
  const updates = list(parsed.Updates).map((x): PendingUpdate => {
    const u = x as RawUpdate;
    if (typeof u.UpdateID !== 'string' || !/^[0-9a-f-]{36}$/i.test(u.UpdateID))
      throw new Error(`Windows update without an UpdateID: ${JSON.stringify(x).slice(0, 200)}`);
    const kbs = list(u.KB)
      .map(String)
      .filter((k) => /^\d+$/.test(k));
    const categories = list(u.Categories).map((c) => String(c).toLowerCase());
    const severity = typeof u.Severity === 'string' && u.Severity ? u.Severity : null;
    return {
      name: kbs[0] ? `KB${kbs[0]}` : u.UpdateID,
      installedVersion: null,
      candidateVersion: String(typeof u.Revision === 'number' ? u.Revision : 1),
      security: categories.includes(SECURITY_CATEGORY) || categories.includes(DEFINITION_CATEGORY) || severity !== null,
      rebootRequired: u.Reboot === 1 || u.Reboot === 2,
      ...(typeof u.Title === 'string' ? { title: u.Title.slice(0, 1024) } : {}),
      ...(severity ? { origin: `MSRC ${severity}` } : {}),
      id: u.UpdateID,
    };
  });
  return { rebootPending: parsed.RebootRequired, updates };
}
