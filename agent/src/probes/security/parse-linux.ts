/** Pure readers of Linux command outputs and configuration files. */

interface LsblkNode {
  name?: string;
  type?: string;
  fstype?: string | null;
  mountpoint?: string | null;
  children?: LsblkNode[];
}

/**
 * `lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT`: the chain of devices under the root file system, and
 * whether one of them is a dm-crypt mapping (`type: crypt`) or a LUKS container — so LVM on LUKS
 * and LUKS on RAID count. null when `/` is not on a block device lsblk knows (containers).
 */
export function rootEncryption(json: string): { chain: string[]; encrypted: boolean; layer: string | null } | null {
  const tree = JSON.parse(json) as { blockdevices?: LsblkNode[] };
  const walk = (nodes: LsblkNode[], path: LsblkNode[]): LsblkNode[] | null => {
    for (const n of nodes) {
      const here = [...path, n];
      if (n.mountpoint === '/') return here;
      const deeper = walk(n.children ?? [], here);
      if (deeper) return deeper;
    }
    return null;
  };
  const path = walk(tree.blockdevices ?? [], []);
  if (!path) return null;
  const layer = path.find((n) => n.type === 'crypt' || n.fstype === 'crypto_LUKS');
  return { chain: path.map((n) => `${n.name ?? '?'}(${n.type ?? '?'})`), encrypted: layer !== undefined, layer: layer?.name ?? null };
}

/** Administrators: members of sudo/wheel/admin (listed, or by primary group in passwd) and every uid-0 account. */
export function linuxAdmins(groupFile: string, passwdFile: string, adminGroups = ['sudo', 'wheel', 'admin']): { admins: string[]; groups: string[] } {
  const admins = new Set<string>();
  const gids = new Set<string>();
  const groups: string[] = [];
  for (const line of groupFile.split(/\r?\n/)) {
    const [name = '', , gid = '', members = ''] = line.split(':');
    if (!adminGroups.includes(name)) continue;
    groups.push(name);
    gids.add(gid);
    for (const m of members.split(',')) if (m.trim()) admins.add(m.trim());
  }
  for (const line of passwdFile.split(/\r?\n/)) {
    const [name = '', , uid = '', gid = ''] = line.split(':');
    if (!name || line.startsWith('#')) continue;
    if (uid === '0' || gids.has(gid)) admins.add(name);
  }
  return { admins: [...admins].sort(), groups };
}

/** modprobe.d lines that stop usb-storage: `blacklist usb_storage` (no autoload) or `install usb_storage /bin/false` (no load at all). */
export function usbStorageRules(files: readonly { path: string; text: string }[]): { blacklisted: string[]; installDisabled: string[] } {
  const blacklisted: string[] = [];
  const installDisabled: string[] = [];
  for (const f of files) {
    for (const raw of f.text.split(/\r?\n/)) {
      const words = raw.replace(/#.*/, '').trim().split(/\s+/);
      const mod = (words[1] ?? '').replace(/-/g, '_');
      if (mod !== 'usb_storage') continue;
      if (words[0] === 'blacklist') blacklisted.push(f.path);
      if (words[0] === 'install' && /(^|\/)(false|true)$/.test(words[2] ?? '')) installDisabled.push(f.path);
    }
  }
  return { blacklisted, installDisabled };
}

/** `KEY value` files (login.defs) and `key = value` files (pwquality.conf, faillock.conf); comments dropped. */
export function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([A-Za-z_][\w-]*)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (m?.[1]) out.set(m[1], (m[2] ?? '').trim());
    else if (/^[A-Za-z_][\w-]*$/.test(line)) out.set(line, '');
  }
  return out;
}

export interface PamModuleLine {
  type: string;
  module: string;
  args: Map<string, string>;
}

/** The active lines of a PAM stack file (`type control module args…`), `-type` optional lines included. */
export function pamLines(text: string): PamModuleLine[] {
  const out: PamModuleLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line || line.startsWith('@include')) continue;
    // The control field may be a bracketed list with spaces: [success=1 default=ignore].
    const m = /^-?(\w+)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const args = new Map<string, string>();
    for (const a of (m[4] ?? '').split(/\s+/).filter(Boolean)) {
      const eq = a.indexOf('=');
      args.set(eq < 0 ? a : a.slice(0, eq), eq < 0 ? '' : a.slice(eq + 1));
    }
    out.push({ type: m[1] ?? '', module: (m[3] ?? '').replace(/^.*\//, ''), args });
  }
  return out;
}

const int = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);

/**
 * The effective password policy from login.defs and the PAM stacks: minimum length from
 * pam_pwquality (its arguments over pwquality.conf, default 8) or pam_unix `minlen=`, else
 * PASS_MIN_LEN; lockout from pam_faillock `deny` (arguments over faillock.conf, default 3) or
 * pam_tally2; expiry from PASS_MAX_DAYS (99999 or more: never).
 */
export function linuxPasswordPolicy(input: { loginDefs: string; passwordStack: string; authStack: string; pwqualityConf: string; faillockConf: string }): {
  minLength: number | null;
  maxAgeDays: number | null;
  lockoutThreshold: number | null;
  sources: string;
} {
  const defs = keyValues(input.loginDefs);
  const password = pamLines(input.passwordStack).filter((l) => l.type === 'password');
  const auth = pamLines(input.authStack).filter((l) => l.type === 'auth');
  const sources: string[] = [];

  let minLength: number | null = null;
  const pwq = password.find((l) => l.module === 'pam_pwquality.so' || l.module === 'pam_cracklib.so');
  const unix = password.find((l) => l.module === 'pam_unix.so');
  if (pwq) {
    minLength = int(pwq.args.get('minlen')) ?? int(keyValues(input.pwqualityConf).get('minlen')) ?? 8;
    sources.push(pwq.module.replace('.so', ''));
  } else if (unix?.args.has('minlen')) {
    minLength = int(unix.args.get('minlen')) ?? null;
    sources.push('pam_unix');
  } else if (defs.has('PASS_MIN_LEN')) {
    minLength = int(defs.get('PASS_MIN_LEN')) ?? null;
    sources.push('login.defs');
  }

  let lockoutThreshold: number | null = null;
  const faillock = auth.find((l) => l.module === 'pam_faillock.so');
  const tally = auth.find((l) => l.module === 'pam_tally2.so');
  if (faillock) {
    lockoutThreshold = int(faillock.args.get('deny')) ?? int(keyValues(input.faillockConf).get('deny')) ?? 3;
    sources.push('pam_faillock');
  } else if (tally) {
    lockoutThreshold = int(tally.args.get('deny')) ?? null;
    sources.push('pam_tally2');
  }
  if (lockoutThreshold === 0) lockoutThreshold = null;

  const maxDays = int(defs.get('PASS_MAX_DAYS'));
  const maxAgeDays = maxDays === undefined || maxDays >= 99999 || maxDays < 0 ? null : maxDays;
  return { minLength, maxAgeDays, lockoutThreshold, sources: sources.join(', ') || 'login.defs' };
}

/** /proc/mounts entries mounted with quota options (usrquota, grpquota, prjquota, usrjquota=…, XFS uquota/gquota/pquota). */
export function quotaMounts(procMounts: string): string[] {
  const out: string[] = [];
  for (const line of procMounts.split(/\r?\n/)) {
    const [, mountpoint, , options = ''] = line.split(/\s+/);
    if (!mountpoint) continue;
    if (options.split(',').some((o) => /^(usr|grp|prj)?j?quota(=|$)|^(usr|grp|prj)quota$|^[ugp]quota$|^[ugp]qnoenforce$/.test(o))) out.push(mountpoint);
  }
  return out;
}

/** `repquota -a`: a line per user; the two-character flag column after the name holds `+` when over a block or file limit. */
export function repquotaOverLimit(text: string): number {
  return text.split(/\r?\n/).filter((l) => /^\S+\s+[-+][-+]\s/.test(l) && /^\S+\s+(\+.|.\+)\s/.test(l)).length;
}

/** Firewall tools' views: ufw's status line, nft's ruleset, iptables -S. */
export function ufwActive(text: string): boolean | null {
  const m = /^Status:\s*(\w+)/m.exec(text);
  return m ? m[1] === 'active' : null;
}

/** An nft ruleset filters inbound traffic when a chain on the input hook drops by default or holds rules. */
export function nftFiltersInput(ruleset: string): { filters: boolean; chains: number; rules: number } {
  let chains = 0;
  let rules = 0;
  let filters = false;
  const chainBlocks = ruleset.split(/\n\s*chain\s+/).slice(1);
  for (const block of chainBlocks) {
    const body = block.slice(0, block.indexOf('\n\t}') >= 0 ? block.indexOf('\n\t}') : undefined);
    if (!/hook\s+input\b/.test(body)) continue;
    chains++;
    const ruleLines = body
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('type ') && l !== '}');
    rules += ruleLines.length;
    if (/policy\s+drop/.test(body) || ruleLines.length > 0) filters = true;
  }
  return { filters, chains, rules };
}

/** `iptables -S`: the INPUT policy and rules. */
export function iptablesFiltersInput(text: string): { filters: boolean; policy: string | null; rules: number } {
  const policy = /^-P INPUT (\w+)/m.exec(text)?.[1] ?? null;
  const rules = text.split(/\r?\n/).filter((l) => l.startsWith('-A INPUT ')).length;
  return { filters: policy === 'DROP' || policy === 'REJECT' || rules > 0, policy, rules };
}
