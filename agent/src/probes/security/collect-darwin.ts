import { type PlatformCollectors, stdoutOf } from './model.js';
import { parseDsclMembership, parseFdesetup, parseSocketFilterState, parseSoftwareUpdateList } from './parse-darwin.js';

/** macOS: FileVault, the application firewall, softwareupdate, the admin group. USB storage, password policy and quotas are not checked on macOS yet. */
export const darwinCollectors: PlatformCollectors = {
  async 'disk-encryption'(ctx) {
    const f = parseFdesetup(await stdoutOf(ctx, 'fdesetup', ['status']));
    return {
      encrypted: f.on,
      inProgress: f.inProgress,
      detail: f.inProgress ? `FileVault encrypting (${f.percent ?? '?'} %)` : `FileVault ${f.on ? 'on' : 'off'}`,
      values: { method: 'filevault', percent: f.percent },
    };
  },
  async firewall(ctx) {
    const state = parseSocketFilterState(await stdoutOf(ctx, '/usr/libexec/ApplicationFirewall/socketfilterfw', ['--getglobalstate']));
    return { enabled: state > 0, detail: `application firewall state ${state}`, values: { method: 'socketfilterfw', state } };
  },
  async updates(ctx) {
    // softwareupdate asks Apple's servers: slow, and its "nothing" goes to stderr.
    const r = await ctx.run('softwareupdate', ['-l'], { timeoutMs: 170_000 });
    if (r.code !== 0) throw new Error(`softwareupdate exited with ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
    const u = parseSoftwareUpdateList(`${r.stdout}\n${r.stderr}`);
    return {
      pending: u.pending,
      security: u.security,
      detail: 'softwareupdate',
      values: { method: 'softwareupdate', labels: u.labels.slice(0, 10).join('; ') },
    };
  },
  async admins(ctx) {
    const admins = parseDsclMembership(await stdoutOf(ctx, 'dscl', ['.', '-read', '/Groups/admin', 'GroupMembership']));
    return { admins, values: { method: 'dscl' } };
  },
};
