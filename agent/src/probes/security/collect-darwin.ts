import { softwareUpdateList } from '../patches/collect-darwin.js';
import { type PlatformCollectors, stdoutOf, updatesFrom } from './model.js';
import { parseDsclMembership, parseFdesetup, parseSocketFilterState } from './parse-darwin.js';

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
  // The patches probe's softwareupdate listing.
  updates: async (ctx) => updatesFrom({ source: 'softwareupdate', updates: await softwareUpdateList(ctx), rebootPending: null }),
  async admins(ctx) {
    const admins = parseDsclMembership(await stdoutOf(ctx, 'dscl', ['.', '-read', '/Groups/admin', 'GroupMembership']));
    return { admins, values: { method: 'dscl' } };
  },
};
