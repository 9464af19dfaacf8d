#!/usr/bin/env node
// Installs what is missing: npm packages of the workspace (pinned pnpm, frozen lockfile) and,
// with --system, the Debian packages that the tests drive for real.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPnpm } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Debian packages the agent itself needs to run here (`npm start`); the .deb declares the same Depends.
export const RUNTIME_PACKAGES = [
  'iputils-ping', // network probe: ping through the `ping` package
];

// Debian packages the test suites use (real components, started by the tests themselves).
export const SYSTEM_PACKAGES = [
  ...RUNTIME_PACKAGES,
  'openssl', // network probe tests: a short-lived TLS certificate
  'snmpd', // site role SNMP poller tests: a real agent on loopback
  'snmp', // idem: snmpget/snmpwalk to look at what it serves
  'clamav', // antivirus probe: clamscan, sigtool
  'clamav-daemon', // antivirus probe: clamd
  'restic', // backup probe: real repositories made by the tests
  'borgbackup', // backup probe: idem
  'nftables', // security probe: firewall rules (in a network namespace made by the test)
  'iptables', // idem
  'quota', // security probe: repquota
  'softflowd', // site role flow receiver tests: NetFlow v5/v9/IPFIX exported from a capture
  'osslsigncode', // installers: strip node.exe's signature before injecting the agent
  'systemd', // installers: systemd-analyze verify/security on the agent's unit
  'wine64', // installers: run the Windows executable
  'msitools', // installers: msiinfo/msiextract read the MSI
  'wixl', // installers: build the MSI
  'qemu-user-static', // installers: run the linux-arm64 executable
  'libc6-arm64-cross', // installers: arm64 C runtime for qemu-user
  'libstdc++6-arm64-cross', // installers: arm64 C++ runtime for qemu-user
  'poppler-utils', // invoice PDF tests: pdftotext and pdfinfo read the rendered invoices back
  'qpdf', // Factur-X tests: the shared validator reads the PDF structure; the tests take factur-x.xml out of the PDF
  'libxml2-utils', // Factur-X tests: xmllint checks the CII against its XSD (validator) and reads CII/UBL values back
  'chromium', // dashboard browser tests, driven by playwright-core (never `playwright install`)
  'iproute2', // security suite: its network namespace with only loopback (ip netns), metadata addresses on its lo
  'influxdb', // InfluxDB 1.6 metric store: contract and collector tests, e2e influx-metrics, bench influx-ingest (influxd started by each)
  'debootstrap', // e2e patches-debian-root: a Debian root made once from the host's own mirror (cached under /var/cache/vigie-test)
  'debian-archive-keyring', // idem: debootstrap checks the mirror's Release signature with it (only recommended by debootstrap)
  'postgresql', // scale-out: the collector's PostgreSQL engine (metrics, jobs lock), a private cluster started by each test (testkit startPostgres)
  'nats-server', // scale-out: the bus between collectors (NATS core and JetStream), started by each test (testkit startNats)
];

function lockStamp() {
  const lock = join(root, 'pnpm-lock.yaml');
  const h = createHash('sha256');
  h.update(existsSync(lock) ? readFileSync(lock) : '');
  h.update(process.version);
  return h.digest('hex');
}

export function installNodePackages() {
  const stampFile = join(root, 'node_modules', '.vigie-install-stamp');
  const stamp = lockStamp();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  const code = runPnpm(['install', ...frozen]);
  if (code !== 0) throw new Error(`pnpm install failed (exit ${code})`);
  writeFileSync(stampFile, stamp);
}

function missingDebianPackages(pkgs) {
  return pkgs.filter((p) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

export function installSystemPackages(pkgs = SYSTEM_PACKAGES) {
  if (pkgs.length === 0) return;
  const missing = missingDebianPackages(pkgs);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`[setup] missing Debian packages (need root to install): ${missing.join(' ')}`);
    return;
  }
  console.log(`[setup] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`apt-get install failed for ${missing.join(' ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  installNodePackages();
  if (process.argv.includes('--system')) installSystemPackages();
}
