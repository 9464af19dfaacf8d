/** Pure readers of macOS outputs. */

/** `fdesetup status`: "FileVault is On." / "FileVault is Off." / "Encryption in progress: Percent completed = 42". */
export function parseFdesetup(text: string): { on: boolean; inProgress: boolean; percent: number | null } {
  const on = /FileVault is On\./i.test(text);
  const encrypting = /Encryption in progress/i.test(text);
  const decrypting = /Decryption in progress/i.test(text);
  const percent = /Percent completed = ([\d.]+)/i.exec(text)?.[1];
  if (!on && !encrypting && !/FileVault is Off\./i.test(text) && !decrypting) throw new Error(`unexpected fdesetup answer: ${text.trim().slice(0, 200)}`);
  // Encryption under way is not yet protection; decryption under way no longer is.
  return { on: on && !encrypting && !decrypting, inProgress: encrypting, percent: percent ? Number(percent) : null };
}

/** `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)", "(State = 2)" blocks all; 0 is off. */
export function parseSocketFilterState(text: string): number {
  const m = /State = (\d)/.exec(text);
  if (m) return Number(m[1]);
  if (/Firewall is enabled/i.test(text)) return 1;
  if (/Firewall is disabled/i.test(text)) return 0;
  throw new Error(`unexpected socketfilterfw answer: ${text.trim().slice(0, 200)}`);
}

/** `dscl . -read /Groups/admin GroupMembership` → "GroupMembership: root alice". */
export function parseDsclMembership(text: string): string[] {
  const m = /GroupMembership:\s*(.*)/s.exec(text);
  if (!m) {
    if (/No such key/i.test(text)) return [];
    throw new Error(`unexpected dscl answer: ${text.trim().slice(0, 200)}`);
  }
  return (m[1] ?? '').split(/\s+/).filter(Boolean).sort();
}
