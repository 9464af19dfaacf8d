import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeContext } from '../probe.js';
import { aptUpdates } from './collect-linux.js';

// apt-get -s upgrade costs a second or two of CPU: the probe asks again only when what apt answers
// from (installed packages, package lists, sources) changed.
const dir = mkdtempSync(join(tmpdir(), 'vigie-apt-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIMULATION = [
  'Inst openssl [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])',
  'Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])',
  'Conf openssl (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])',
].join('\n');

function context(calls: string[]): ProbeContext {
  return {
    now: () => Date.now(),
    signal: new AbortController().signal,
    platform: 'linux',
    async run(file, args) {
      calls.push([file, ...args].join(' '));
      return { stdout: SIMULATION, stderr: '', code: 0 };
    },
  };
}

describe('pending updates through apt', () => {
  it('runs the simulation once while nothing apt reads changed, and again when it did', async () => {
    const status = join(dir, 'status');
    const lists = join(dir, 'lists');
    writeFileSync(status, 'Package: openssl\n');
    writeFileSync(lists, 'x');
    const calls: string[] = [];
    const ctx = context(calls);
    const first = await aptUpdates(ctx, [status, lists]);
    expect(first).toMatchObject({ pending: 2, security: 1, detail: 'apt' });
    expect(await aptUpdates(ctx, [status, lists])).toEqual(first);
    expect(calls).toHaveLength(1);
    // The package lists were refreshed (apt's timer): ask again.
    utimesSync(lists, new Date(), new Date(Date.now() + 60_000));
    await aptUpdates(ctx, [status, lists]);
    expect(calls).toHaveLength(2);
    // A package was installed.
    writeFileSync(status, 'Package: openssl\nPackage: curl\n');
    await aptUpdates(ctx, [status, lists]);
    expect(calls).toHaveLength(3);
  });
});
