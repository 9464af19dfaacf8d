import type { PendingUpdate } from '@vigie/shared';
import { needsReboot } from './reboot-packages.js';

/**
 * `apt-get -s dist-upgrade`: one line per package to install,
 * `Inst name [installed] (candidate Origin:Version/suite[, Origin2:…] [arch]) […]`. Only packages
 * already installed (with `[installed]`) are pending updates; a new dependency is not. Security:
 * the candidate comes from a `-security` suite (Debian-Security:12/stable-security,
 * Ubuntu's jammy-security).
 */
const INST = /^Inst (\S+) (?:\[([^\]]+)\] )?\((\S+) (.*) \[([^\]\s]+)\]\)/;

export function parseAptSimulation(text: string): PendingUpdate[] {
  const out: PendingUpdate[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('Inst ')) continue;
    const m = INST.exec(line);
    if (!m) throw new Error(`unexpected apt-get line: ${line.slice(0, 200)}`);
    const [, name = '', installed, candidate = '', origins = '', arch = ''] = m;
    if (installed === undefined) continue;
    const archives = origins.split(', ').map((o) => o.trim());
    out.push({
      // Multi-arch packages are written `name:arch` by apt-get; the name alone is the package.
      name: name.replace(/:[^:]+$/, ''),
      arch,
      installedVersion: installed,
      candidateVersion: candidate,
      security: archives.some((o) => /-security$/i.test(o)),
      rebootRequired: needsReboot(name.replace(/:[^:]+$/, '')),
      origin: archives.join(', ').slice(0, 512),
    });
  }
  return out;
}
