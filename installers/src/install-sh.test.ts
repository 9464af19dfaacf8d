import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCollector, type TestCollector } from '../test/collector.js';
import { accountIds, makeDpkgRoot } from '../test/dpkg-root.js';

const INSTALL_SH = join(import.meta.dirname, '..', 'packaging/linux/install.sh');
const UNIT = join(import.meta.dirname, '..', 'packaging/linux/vigie-agent.service');
const isRoot = process.getuid?.() === 0;
let collector: TestCollector;
let server: Server;
let downloadBase: string;
let exe: string;
const served: string[] = [];
const prefixes: string[] = [];

function installSh(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // dash, Debian's /bin/sh: the script must stay POSIX.
    execFile('/bin/sh', [INSTALL_SH, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err.code as number | undefined) ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

function newPrefix(): string {
  const p = makeDpkgRoot();
  prefixes.push(p);
  return p;
}

beforeAll(async () => {
  exe = inject('seaBuilds').find((b) => b.target === 'linux-x64')!.path;
  collector = await startCollector(1);
  // A local download server standing in for the collector's downloads: nothing comes from the internet.
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/downloads/vigie-agent-linux-x64') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(exe).size });
      createReadStream(exe).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  downloadBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/downloads`;
});

afterAll(async () => {
  await collector?.stop();
  await new Promise((r) => server?.close(r));
  for (const p of prefixes) rmSync(p, { recursive: true, force: true });
});

describe('install.sh, for distributions without dpkg', () => {
  it('is POSIX sh and embeds the same unit as the .deb, with the executable in /usr/local/bin', () => {
    const script = readFileSync(INSTALL_SH, 'utf8');
    const embedded = /<<'UNIT'\n([\s\S]*?)\nUNIT\n/.exec(script)?.[1];
    expect(`${embedded}\n`).toBe(readFileSync(UNIT, 'utf8').replaceAll('/usr/bin/vigie-agent', '/usr/local/bin/vigie-agent'));
    expect(script).not.toMatch(/--token/);
  });

  it.skipIf(!isRoot)('refuses an executable whose checksum does not match, and installs nothing', async () => {
    const prefix = newPrefix();
    const r = await installSh([], { VIGIE_PREFIX: prefix, VIGIE_DOWNLOAD_URL: `${downloadBase}/vigie-agent-linux-x64`, VIGIE_SHA256: '0'.repeat(64) });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('checksum mismatch');
    expect(existsSync(join(prefix, 'usr/local/bin/vigie-agent'))).toBe(false);
  });

  it.skipIf(!isRoot)('says when the ping program the network probe needs is missing', async () => {
    // This machine's programs, but no ping: links to everything else on PATH.
    const bin = mkdtempSync(join(tmpdir(), 'vigie-path-without-ping-'));
    prefixes.push(bin);
    for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        if (/^ping[46]?$/.test(name) || existsSync(join(bin, name))) continue;
        symlinkSync(join(dir, name), join(bin, name));
      }
    }
    const r = await installSh([], { VIGIE_PREFIX: newPrefix(), VIGIE_DOWNLOAD_URL: `${downloadBase}/vigie-agent-linux-x64`, PATH: bin });
    expect(r.code).toBe(0);
    expect(r.output).toContain('vigie-agent: the ping program is missing: the network probe cannot ping until it is installed (package iputils-ping');
  });

  it.skipIf(!isRoot)('downloads, checks, installs, enrolls from the environment, writes and enables the unit; purge removes it all', async () => {
    const prefix = newPrefix();
    const sha256 = createHash('sha256').update(readFileSync(exe)).digest('hex');
    const r = await installSh([], {
      VIGIE_PREFIX: prefix,
      VIGIE_URL: collector.base,
      VIGIE_ENROLL_TOKEN: collector.tokens[0]!,
      VIGIE_DOWNLOAD_URL: `${downloadBase}/vigie-agent-linux-x64`,
      VIGIE_SHA256: sha256,
    });
    expect(r.output).toContain('installed vigie-agent 0.1.0 (protocol v1)');
    expect(r.output).not.toContain('ping program is missing');
    expect(r.code).toBe(0);
    expect(served).toContain('/downloads/vigie-agent-linux-x64');
    const bin = statSync(join(prefix, 'usr/local/bin/vigie-agent'));
    expect([bin.mode & 0o777, bin.uid, bin.size]).toEqual([0o755, 0, statSync(exe).size]);
    const agent = accountIds(prefix, 'vigie-agent')!;
    const state = statSync(join(prefix, 'var/lib/vigie-agent'));
    expect([state.mode & 0o777, state.uid]).toEqual([0o700, agent.uid]);
    const { deviceId } = JSON.parse(readFileSync(join(prefix, 'var/lib/vigie-agent/credential.json'), 'utf8'));
    expect((await collector.techGet(`/api/v1/devices/${deviceId}`)).status).toBe(200);
    expect(readFileSync(join(prefix, 'etc/systemd/system/vigie-agent.service'), 'utf8')).toContain('ExecStart=/usr/local/bin/vigie-agent run');
    expect(readlinkSync(join(prefix, 'etc/systemd/system/multi-user.target.wants/vigie-agent.service'))).toBe('/etc/systemd/system/vigie-agent.service');

    expect(readFileSync(join(prefix, 'etc/vigie-agent-remote.conf'), 'utf8')).toMatch(/^remote: actions$/m);
    expect(statSync(join(prefix, 'etc/vigie-agent-remote.conf')).mode & 0o777).toBe(0o644);

    // Run again: an update keeps the enrollment.
    const again = await installSh([], { VIGIE_PREFIX: prefix, VIGIE_DOWNLOAD_URL: `${downloadBase}/vigie-agent-linux-x64` });
    expect(again.code).toBe(0);
    expect(again.output).toContain('already enrolled');

    const purge = await installSh(['purge'], { VIGIE_PREFIX: prefix });
    expect(purge.code).toBe(0);
    for (const p of [
      'usr/local/bin/vigie-agent',
      'etc/systemd/system/vigie-agent.service',
      'var/lib/vigie-agent',
      'etc/vigie-agent',
      'etc/vigie-agent-remote.conf',
    ]) {
      expect(existsSync(join(prefix, p)), p).toBe(false);
    }
    expect(accountIds(prefix, 'vigie-agent')).toBeUndefined();
    expect(readFileSync(join(prefix, 'etc/group'), 'utf8')).not.toContain('vigie-agent');
  });
});
