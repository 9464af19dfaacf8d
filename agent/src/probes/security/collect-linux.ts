import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { linuxLister } from '../patches/collect-linux.js';
import type { ProbeContext } from '../probe.js';
import { type Firewall, type PlatformCollectors, stdoutOf, updatesFrom } from './model.js';
import {
  iptablesFiltersInput,
  linuxAdmins,
  linuxPasswordPolicy,
  nftFiltersInput,
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

  // The patches probe's listing (one apt simulation for both probes, computed again only when apt's state changed).
  updates: async (ctx, cfg) =>
    updatesFrom(await linuxLister(ctx, { enabled: true, intervalSec: cfg.intervalSec, timeoutSec: cfg.timeoutSec, fileRoot: cfg.fileRoot })),

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
