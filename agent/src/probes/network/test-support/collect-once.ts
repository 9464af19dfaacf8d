// Runs the network probe once with the configuration given as JSON in argv[2] and prints its
// results as JSON: the tests run it as a process inside a network namespace of their own.
import { type NetworkProbeConfig, networkProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { networkProbe } from '../index.js';

const resolved = resolveProbeConfig(networkProbeSpec, JSON.parse(process.argv[2] ?? '{}') as Partial<NetworkProbeConfig>);
if (!resolved.ok) throw new Error(resolved.error);
const results = await networkProbe.collect(
  { now: Date.now, signal: new AbortController().signal, platform: process.platform, run: async () => ({ stdout: '', stderr: '', code: 0 }) },
  resolved.config,
);
process.stdout.write(`${JSON.stringify(results)}\n`);
