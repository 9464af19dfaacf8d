/**
 * Who may change a file on Windows, from `Get-Acl` as JSON (one object per access rule, or a single
 * object when there is one rule): a ceiling file may be writable only by SYSTEM, Administrators and
 * TrustedInstaller, and owned by one of them.
 */
export interface AclRule {
  sid: string;
  rights: number;
  type: 'Allow' | 'Deny' | string;
}

/** SYSTEM, BUILTIN\Administrators, NT SERVICE\TrustedInstaller: language-independent SIDs. */
const TRUSTED_SIDS = new Set(['S-1-5-18', 'S-1-5-32-544', 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464']);

/** FileSystemRights that let someone change the content or the rules of a file. */
const WRITE_RIGHTS =
  0x2 | // WriteData
  0x4 | // AppendData
  0x10 | // WriteExtendedAttributes
  0x100 | // WriteAttributes
  0x10000 | // Delete
  0x40000 | // ChangePermissions
  0x80000 | // TakeOwnership
  0x10000000 | // GenericAll
  0x40000000; // GenericWrite

export function parseAclJson(text: string): { owner: string; rules: AclRule[] } {
  const v = JSON.parse(text) as { owner?: string; rules?: AclRule | AclRule[] };
  const rules = v.rules === undefined ? [] : Array.isArray(v.rules) ? v.rules : [v.rules];
  return { owner: String(v.owner ?? ''), rules };
}

export function windowsAclProblem(path: string, acl: { owner: string; rules: AclRule[] }): string | undefined {
  if (!TRUSTED_SIDS.has(acl.owner)) return `${path} is owned by ${acl.owner}, not SYSTEM or Administrators`;
  for (const r of acl.rules) {
    if (r.type !== 'Allow' || TRUSTED_SIDS.has(r.sid)) continue;
    if (r.rights & WRITE_RIGHTS) return `${path} can be changed by ${r.sid} (rights 0x${(r.rights >>> 0).toString(16)})`;
  }
  return undefined;
}

/** The PowerShell that prints the owner's SID and every rule with its SID (the path comes in $env:VIGIE_ACL_PATH). */
export const GET_ACL_SCRIPT = [
  '$a = Get-Acl -LiteralPath $env:VIGIE_ACL_PATH',
  '$sid = { param($n) $n.Translate([Security.Principal.SecurityIdentifier]).Value }',
  '[pscustomobject]@{ owner = (& $sid ([Security.Principal.NTAccount]$a.Owner)); rules = @($a.Access | ForEach-Object {',
  '  [pscustomobject]@{ sid = (& $sid $_.IdentityReference); rights = [int]$_.FileSystemRights; type = [string]$_.AccessControlType } }) } | ConvertTo-Json -Depth 3 -Compress',
].join('\n');
