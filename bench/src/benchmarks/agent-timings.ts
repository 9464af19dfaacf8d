/**
 * The agent's timings that tests used to assert (issue 14): tests no longer assert an absolute time
 * (it depends on the machine and on what else runs on it); this benchmark measures each on the
 * machine it runs on, over several runs, against the target the test held:
 *
 * - a full inventory collection (target 3 s) and one metrics sample (100 ms);
 * - the durable spool: 10,000 appends of 1 KB without fsync (2 s), reading them back (500 ms),
 *   closing and reopening it;
 * - the flow decoder over its fuzz corpus of ~7,000 damaged datagrams (10 s);
 * - an SNMP poll of a device that does not answer (wrong community; 400 ms timeout, no retry: 2 s)
 *   and a scan of 127.0.0.0/30 where one address of two answers (500 ms timeout: 3 s), against a
 *   real snmpd started here (Debian's, as the tests do).
 *
 * The dashboard's 10,000-device list has its own benchmark (`dashboard-list`).
 *
 *   npm run bench -- agent-timings [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { collectInventory } from '../../../agent/src/probes/inventory/index.js';
import { MetricsSampler } from '../../../agent/src/probes/metrics/index.js';
import { FlowDecoder } from '../../../agent/src/site/flows/flow-decoder.js';
import { fuzzCorpus } from '../../../agent/src/site/flows/test-support/fuzz-corpus.js';
import { SnmpPoller } from '../../../agent/src/site/snmp/poller.js';
import { scanSubnet } from '../../../agent/src/site/snmp/scan.js';
import { SNMPD_COMMUNITY, startSnmpd } from '../../../agent/src/site/snmp/snmpd-fixture.js';
import { Spool } from '../../../agent/src/transport/spool.js';
import { median, printTable, type Row, writeResult } from '../report.js';

interface Measure {
  what: string;
  targetMs: number | null;
  run(): Promise<number>;
}

const since = (t0: number) => performance.now() - t0;

async function spoolMeasures(dirs: string[]): Promise<Measure[]> {
  const payload = 'x'.repeat(1024);
  let last: { dir: string; spool: Spool } | undefined;
  const fresh = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-spool-'));
    dirs.push(dir);
    return { dir, spool: await Spool.open({ dir, fsync: 'never' }) };
  };
  return [
    {
      what: 'spool: 10,000 appends of 1 KB (fsync never)',
      targetMs: 2000,
      async run() {
        if (last) await last.spool.close();
        last = await fresh();
        const t0 = performance.now();
        for (let i = 0; i < 10_000; i++) await last.spool.append((seq) => `${seq}:${payload}`);
        return since(t0);
      },
    },
    {
      what: 'spool: reading the 10,000 back',
      targetMs: 500,
      async run() {
        const t0 = performance.now();
        const records = await last!.spool.read(0, 10_000);
        if (records.length !== 10_000) throw new Error(`read ${records.length} records`);
        return since(t0);
      },
    },
    {
      what: 'spool: close and reopen with 10,000 pending',
      targetMs: null,
      async run() {
        const t0 = performance.now();
        await last!.spool.close();
        last = { dir: last!.dir, spool: await Spool.open({ dir: last!.dir, fsync: 'never' }) };
        return since(t0);
      },
    },
  ];
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const dirs: string[] = [];
  const snmpd = await startSnmpd();
  try {
    const sampler = new MetricsSampler();
    await sampler.prime();
    const corpus = fuzzCorpus();
    const measures: Measure[] = [
      {
        what: 'inventory: a full collection',
        targetMs: 3000,
        async run() {
          const t0 = performance.now();
          await collectInventory();
          return since(t0);
        },
      },
      {
        what: 'metrics: one sample',
        targetMs: 100,
        async run() {
          // CPU times tick every 10 ms: samples back to back would see none pass.
          await new Promise((r) => setTimeout(r, 100));
          const t0 = performance.now();
          await sampler.sample();
          return since(t0);
        },
      },
      ...(await spoolMeasures(dirs)),
      {
        what: `flow decoder: ${corpus.length} damaged datagrams`,
        targetMs: 10_000,
        async run() {
          const d = new FlowDecoder({ maxTemplates: 64, maxPendingSets: 16, maxPendingBytes: 16 * 1024 });
          const t0 = performance.now();
          for (const [i, dgram] of corpus.entries()) d.decode(dgram, `10.0.${i % 4}.1`);
          return since(t0);
        },
      },
      {
        what: 'SNMP: a poll that gets no answer (wrong community, 400 ms timeout)',
        targetMs: 2000,
        async run() {
          const poller = new SnmpPoller({
            address: '127.0.0.1',
            port: snmpd.port,
            version: '2c',
            community: 'not-the-community',
            timeoutMs: 400,
            retries: 0,
            ping: false,
          });
          const t0 = performance.now();
          const r = await poller.poll(Date.now());
          if (r.reachable) throw new Error('the wrong community was answered');
          return since(t0);
        },
      },
      {
        what: 'SNMP: scan of 127.0.0.0/30, one of two addresses answering (500 ms timeout)',
        targetMs: 3000,
        async run() {
          const t0 = performance.now();
          const found = await scanSubnet('127.0.0.0/30', { community: SNMPD_COMMUNITY, port: snmpd.port, timeoutMs: 500 });
          if (found.length !== 1) throw new Error(`found ${found.length} devices`);
          return since(t0);
        },
      },
    ];
    const rows: Row[] = [];
    for (const m of measures) {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push(await m.run());
      const med = median(ms);
      rows.push({
        what: m.what,
        runs,
        median_ms: Math.round(med * 10) / 10,
        max_ms: Math.round(Math.max(...ms) * 10) / 10,
        target_ms: m.targetMs,
        met: m.targetMs === null ? null : Math.max(...ms) < m.targetMs,
      });
    }
    printTable('agent timings (once asserted by tests)', rows);
    console.log(`\nresult: ${writeResult('agent-timings', { runs, rows })}`);
  } finally {
    await snmpd.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
