import { describe, expect, it } from 'vitest';
import { parseAclJson, windowsAclProblem } from './acl-windows.js';

// Synthetic: the JSON GET_ACL_SCRIPT prints (Get-Acl → SIDs), written from the documented
// FileSystemRights values (FullControl 2032127, ReadAndExecute 1179817, Modify 1245631) for the ACL
// the MSI sets on %ProgramData%\Vigie\remote.conf and for a careless one. Not recorded on Windows.
const SYSTEM = 'S-1-5-18';
const ADMINS = 'S-1-5-32-544';
const USERS = 'S-1-5-32-545';

describe('who may change the ceiling file on Windows', () => {
  it('accepts a file owned by Administrators, writable by SYSTEM and Administrators only, readable by Users', () => {
    const acl = parseAclJson(
      JSON.stringify({
        owner: ADMINS,
        rules: [
          { sid: SYSTEM, rights: 2032127, type: 'Allow' },
          { sid: ADMINS, rights: 2032127, type: 'Allow' },
          { sid: USERS, rights: 1179817, type: 'Allow' },
        ],
      }),
    );
    expect(windowsAclProblem('C:\\ProgramData\\Vigie\\remote.conf', acl)).toBeUndefined();
  });

  it('refuses one that Users may modify, or that a user owns (the owner can always change the rules)', () => {
    const modify = parseAclJson(JSON.stringify({ owner: ADMINS, rules: { sid: USERS, rights: 1245631, type: 'Allow' } }));
    expect(windowsAclProblem('remote.conf', modify)).toBe('remote.conf can be changed by S-1-5-32-545 (rights 0x1301bf)');
    const owned = parseAclJson(JSON.stringify({ owner: 'S-1-5-21-1-2-3-1001', rules: [] }));
    expect(windowsAclProblem('remote.conf', owned)).toContain('is owned by S-1-5-21-1-2-3-1001');
  });

  it('ignores deny rules (they take rights away)', () => {
    const acl = parseAclJson(JSON.stringify({ owner: SYSTEM, rules: [{ sid: USERS, rights: 2032127, type: 'Deny' }] }));
    expect(windowsAclProblem('remote.conf', acl)).toBeUndefined();
  });
});
