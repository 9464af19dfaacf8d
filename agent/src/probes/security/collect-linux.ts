import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeContext } from '../probe.js';
import { type Firewall, type PlatformCollectors, stdoutOf, type Updates } from './model.js';
import {
  iptablesFiltersInput,
  linuxAdmins,
  linuxPasswordPolicy,
  nftFiltersInput,
  parseAptSimulation,
  parseDnfCheckUpdate,
  quotaMounts,
  repquotaOverLimit,
  rootEncryption,
  ufwActive,
  usbStorageRules,
} from './parse-linux.js';

const read = (root: string, path: string) => readFile(join(root, path), 'utf8');
const readOr = (root: string, path: string, fallback = '') => read(root, path).catch(() => fallback);
/** The first of several files that exists (Debian's common-* stacks, RHEL's system-auth). */
const firstOf = async (root: string, paths: string[]) => {
  for (const p of paths) {
    const text = await read(root, p).catch(() => null);
    if (text !== null) return text;
  }
  return '';
};

/** A command that may not be installed: undefined then, so the next tool is tried. */
/** What `apt-get -s upgrade` answers from: while none of these changed, its last answer still holds. */
export const APT_STATE = ['/var/lib/dpkg/status', '/var/cache/apt/pkgcache.bin', '/var/lib/apt/lists', '/etc/apt/sources.list', '/etc/apt/sources.list.d'];
let aptLast: { key: string; result: Updates } | undefined;

function stateKey(paths: readonly string[]): string {
  return paths
    .map((p) => {
      try {
        const s = statSync(p);
        return `${p}:${s.mtimeMs}:${s.size}`;
      } catch {
        return `${p}:-`;
      }
    })
    .join('|');
}

/**
 * Pending updates from apt's simulation (a second or two of CPU on a small machine), computed again
 * only when the installed packages, the package lists or the sources changed. Undefined without apt.
 */
export async function aptUpdates(ctx: ProbeContext, statePaths: readonly string[] = APT_STATE): Promise<Updates | undefined> {
  const key = stateKey(statePaths);
  if (aptLast?.key === key) return aptLast.result;
  const apt = await tryRun(ctx, 'apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'upgrade']);
  if (!apt) return undefined;
  if (apt.code !== 0) throw new Error(`apt-get -s exited with ${apt.code}: ${apt.stderr.trim().split('\n')[0] ?? ''}`);
  const a = parseAptSimulation(apt.stdout);
  const result: Updates = {
    pending: a.pending,
    security: a.security,
    detail: 'apt',
    values: { method: 'apt', securityPackages: a.securityPackages.slice(0, 20).join(' ') },
  };
  aptLast = { key, result };
  return result;
}

async function tryRun(ctx: ProbeContext, file: string, args: string[]) {
  try {
    return await ctx.run(file, args, { timeoutMs: 60_000 });
  } catch (err) {
    if (/is not installed/.test((err as Error).message)) return undefined;
    throw err;
  }
}

export const linuxCollectors: PlatformCollectors = {
  async 'disk-encryption'(ctx) {
    const root = rootEncryption(await stdoutOf(ctx, 'lsblk', ['-J', '-o', 'NAME,TYPE,FSTYPE,MOUNTPOINT']));
    if (!root) throw new Error('the root file system is not on a block device lsblk knows (container or network root?)');
    const chain = root.chain.join(' > ');
    return {
      encrypted: root.encrypted,
      detail: root.encrypted ? `LUKS/dm-crypt on ${root.layer}` : `no dm-crypt layer under / (${chain})`,
      values: { method: 'lsblk', chain },
    };
  },

  async firewall(ctx): Promise<Firewall> {
    const ufw = await tryRun(ctx, 'ufw', ['status']);
    if (ufw?.code === 0 && ufwActive(ufw.stdout)) return { enabled: true, detail: 'ufw active', values: { method: 'ufw' } };
    // nft and iptables may each hold rules (iptables-legacy is not visible to nft): either filtering is enough.
    const seen: string[] = [];
    const nft = await tryRun(ctx, 'nft', ['list', 'ruleset']);
    if (nft?.code === 0) {
      const n = nftFiltersInput(nft.stdout);
      const detail = `nftables: ${n.chains} input chain(s), ${n.rules} rule(s)`;
      if (n.filters) return { enabled: true, detail, values: { method: 'nft', inputChains: n.chains, inputRules: n.rules } };
      seen.push(detail);
    }
    const ipt = await tryRun(ctx, 'iptables', ['-S']);
    if (ipt?.code === 0) {
      const i = iptablesFiltersInput(ipt.stdout);
      const detail = `iptables: INPUT policy ${i.policy ?? '?'}, ${i.rules} rule(s)`;
      if (i.filters) return { enabled: true, detail, values: { method: 'iptables', inputPolicy: i.policy, inputRules: i.rules } };
      seen.push(detail);
    }
    if (ufw?.code === 0) seen.push('ufw inactive');
    if (seen.length > 0) return { enabled: false, detail: seen.join('; '), values: { method: seen.map((s) => s.split(/[: ]/)[0]).join('+') } };
    const failed = nft ?? ipt ?? ufw;
    if (failed) throw new Error(`the firewall could not be read: ${failed.stderr.trim().split('\n')[0] || `exit ${failed.code}`}`);
    throw new Error('no firewall tool installed (ufw, nft, iptables)');
  },

  async updates(ctx): Promise<Updates> {
    // Reads the package lists as they are: refreshing them is apt's timer's job, not the probe's.
    const apt = await aptUpdates(ctx);
    if (apt) return apt;
    const dnf = await tryRun(ctx, 'dnf', ['-q', 'check-update']);
    if (dnf) {
      if (dnf.code !== 0 && dnf.code !== 100) throw new Error(`dnf check-update exited with ${dnf.code}`);
      const security = await tryRun(ctx, 'dnf', ['-q', 'updateinfo', 'list', '--security']);
      const secCount = security && security.code === 0 ? security.stdout.split(/\r?\n/).filter((l) => l.trim()).length : null;
      return { pending: dnf.code === 100 ? parseDnfCheckUpdate(dnf.stdout) : 0, security: secCount, detail: 'dnf', values: { method: 'dnf' } };
    }
    throw new Error('no package manager found (apt-get, dnf)');
  },

  async admins(_ctx, cfg) {
    const a = linuxAdmins(await read(cfg.fileRoot, 'etc/group'), await read(cfg.fileRoot, 'etc/passwd'));
    return { admins: a.admins, values: { method: 'etc/group+passwd', groups: a.groups.join(',') } };
  },

  async 'usb-storage'(_ctx, cfg) {
    const dirs = ['etc/modprobe.d', 'run/modprobe.d', 'usr/lib/modprobe.d', 'lib/modprobe.d'];
    const files: { path: string; text: string }[] = [];
    for (const d of dirs) {
      const names = await readdir(join(cfg.fileRoot, d)).catch(() => [] as string[]);
      for (const n of names.filter((x) => x.endsWith('.conf'))) files.push({ path: `/${d}/${n}`, text: await readOr(cfg.fileRoot, join(d, n)) });
    }
    const r = usbStorageRules(files);
    const blocked = r.installDisabled.length > 0 || r.blacklisted.length > 0;
    const detail =
      r.installDisabled.length > 0
        ? `install disabled in ${r.installDisabled[0]}`
        : r.blacklisted.length > 0
          ? `blacklisted in ${r.blacklisted[0]}`
          : 'usb_storage not blacklisted';
    return { blocked, detail, values: { method: 'modprobe.d', blacklisted: r.blacklisted.length > 0, installDisabled: r.installDisabled.length > 0 } };
  },

  async 'password-policy'(_ctx, cfg) {
    const root = cfg.fileRoot;
    const p = linuxPasswordPolicy({
      loginDefs: await readOr(root, 'etc/login.defs'),
      passwordStack: await firstOf(root, ['etc/pam.d/common-password', 'etc/pam.d/system-auth']),
      authStack: await firstOf(root, ['etc/pam.d/common-auth', 'etc/pam.d/system-auth']),
      pwqualityConf: await readOr(root, 'etc/security/pwquality.conf'),
      faillockConf: await readOr(root, 'etc/security/faillock.conf'),
    });
    return { minLength: p.minLength, maxAgeDays: p.maxAgeDays, lockoutThreshold: p.lockoutThreshold, values: { method: p.sources } };
  },

  async quotas(ctx, cfg) {
    const filesystems = quotaMounts(await read(cfg.fileRoot, 'proc/mounts'));
    if (filesystems.length === 0) return { filesystems, overLimit: null, values: { method: 'proc/mounts' } };
    const rep = await tryRun(ctx, 'repquota', ['-a']);
    const overLimit = rep && rep.code === 0 ? repquotaOverLimit(rep.stdout) : null;
    return { filesystems, overLimit, values: { method: rep ? 'repquota' : 'proc/mounts (repquota not installed)' } };
  },
};
