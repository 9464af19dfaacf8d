#!/usr/bin/env node
// `npm run test:security`: makes a network namespace with only loopback, runs the security suite
// inside it (nothing the suite or the agents send can leave the machine), then prints what was
// attempted: `N cases, N refused`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ns = `vigie-sec-${process.pid}`;
const etc = join('/etc/netns', ns);
const etcNetnsExisted = existsSync('/etc/netns');

function sh(args, opts = {}) {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', ...opts });
  if (r.status !== 0 && !opts.mayFail) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message || ''}`);
  return r;
}

if (process.getuid?.() !== 0) {
  console.error('the security suite makes a network namespace (ip netns add): run it as root');
  process.exit(2);
}

// The cloud metadata addresses live on the namespace's loopback, where the suite listens as the
// services would: any packet a probe sent there would be seen (and counted by nftables).
const METADATA_V4 = ['169.254.169.254', '100.100.100.200', '168.63.129.16'];
const METADATA_V6 = ['fd00:ec2::254', 'fd20:ce::254'];

const tally = mkdtempSync(join(tmpdir(), 'vigie-sec-tally-'));
let status = 1;
try {
  sh(['ip', 'netns', 'add', ns]);
  const inNs = (...args) => sh(['ip', 'netns', 'exec', ns, ...args]);
  inNs('ip', 'link', 'set', 'lo', 'up');
  for (const a of METADATA_V4) inNs('ip', 'addr', 'add', `${a}/32`, 'dev', 'lo');
  inNs('sysctl', '-q', '-w', 'net.ipv6.conf.lo.disable_ipv6=0');
  for (const a of METADATA_V6) inNs('ip', '-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad');
  // Names the probes resolve inside the namespace: /etc/hosts for fixed names, a DNS server the
  // suite runs on 127.0.0.1:53 for the rebinding name (ip netns exec mounts these over /etc).
  mkdirSync(etc, { recursive: true });
  writeFileSync(
    join(etc, 'hosts'),
    [
      '127.0.0.1 localhost',
      '::1 localhost ip6-localhost',
      '169.254.169.254 metadata.vigie-sec.test',
      '168.63.129.16 wireserver.vigie-sec.test',
      'fd00:ec2::254 metadata6.vigie-sec.test',
      '127.0.0.1 intranet.vigie-sec.test',
      '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  const vitest = join(here, 'node_modules', 'vitest', 'vitest.mjs');
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, vitest, 'run', ...process.argv.slice(2)], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, VIGIE_SEC_NETNS: ns, VIGIE_SEC_TALLY: tally, VIGIE_SEC_METADATA: [...METADATA_V4, ...METADATA_V6].join(',') },
  });
  status = r.status ?? 1;
} finally {
  sh(['ip', 'netns', 'delete', ns], { mayFail: true });
  rmSync(etc, { recursive: true, force: true });
  if (!etcNetnsExisted && existsSync('/etc/netns') && readdirSync('/etc/netns').length === 0) rmdirSync('/etc/netns');
}

// Every attack a test made was recorded with whether it was refused; a case not refused fails its test.
const file = join(tally, 'cases.jsonl');
const rows = existsSync(file)
  ? readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(tally, { recursive: true, force: true });
const byArea = new Map();
for (const r of rows) {
  const a = byArea.get(r.area) ?? { cases: 0, refused: 0 };
  a.cases += r.cases;
  a.refused += r.refused;
  byArea.set(r.area, a);
}
const total = [...byArea.values()].reduce((t, a) => ({ cases: t.cases + a.cases, refused: t.refused + a.refused }), { cases: 0, refused: 0 });
const fmt = (n) => n.toLocaleString('en-US');
console.log('\nsecurity suite, by area:');
for (const [area, a] of [...byArea].sort()) console.log(`  ${area.padEnd(28)} ${fmt(a.cases).padStart(6)} cases, ${fmt(a.refused).padStart(6)} refused`);
console.log(`\n${fmt(total.cases)} cases, ${fmt(total.refused)} refused`);
process.exit(status);
