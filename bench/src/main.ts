import { parseArgs } from 'node:util';

/** `npm run bench -- <name> [options]`: each benchmark prints a table and writes a JSON result file. */
const BENCHMARKS: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  ingest: () => import('./benchmarks/ingest-ceiling.js'),
  'influx-ingest': () => import('./benchmarks/influx-ingest.js'),
  'engines-ingest': () => import('./benchmarks/engines-ingest.js'),
  concurrency: () => import('./benchmarks/concurrency.js'),
  'agent-footprint': () => import('./benchmarks/agent-footprint.js'),
  queries: () => import('./benchmarks/queries.js'),
  'dashboard-list': () => import('./benchmarks/dashboard-list.js'),
  soak: () => import('./benchmarks/soak.js'),
  fleet: () => import('./benchmarks/fleet.js'),
  'agent-timings': () => import('./benchmarks/agent-timings.js'),
};

const { positionals } = parseArgs({ allowPositionals: true, strict: false });
const name = positionals[0];
const load = name ? BENCHMARKS[name] : undefined;
if (!load) {
  console.log(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]`);
  process.exit(name ? 2 : 0);
}
const mod = await load();
await mod.run(process.argv.slice(3));
process.exit(0);
