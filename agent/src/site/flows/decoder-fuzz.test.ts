import { describe, expect, it } from 'vitest';
import { FlowDecoder } from './flow-decoder.js';
import { REJECT_REASONS } from './model.js';
import { FlowReceiver } from './receiver.js';
import { fuzzCorpus } from './test-support/fuzz-corpus.js';

// Thousands of truncated, bit-flipped and randomly assembled datagrams: the decoder must answer
// every one (a record list or a known reason), never throw, never loop, and stay within its
// memory bounds.

describe('decoder fuzz', () => {
  const datagrams = fuzzCorpus();

  it(`answers each of ${datagrams.length} damaged datagrams with records or a known reason, within its bounds`, () => {
    const limits = { maxTemplates: 64, maxPendingSets: 16, maxPendingBytes: 16 * 1024 };
    const d = new FlowDecoder(limits);
    const reasons = new Map<string, number>();
    let accepted = 0;
    for (const [i, dgram] of datagrams.entries()) {
      let out: ReturnType<FlowDecoder['decode']>;
      try {
        out = d.decode(dgram, `10.0.${i % 4}.1`);
      } catch (err) {
        throw new Error(`datagram #${i} (${dgram.toString('hex')}) threw: ${String(err)}`);
      }
      if (out.ok) {
        accepted++;
        for (const r of out.records) expect(Number.isFinite(r.bytes) && Number.isFinite(r.start)).toBe(true);
      } else {
        expect(REJECT_REASONS).toContain(out.reason);
        reasons.set(out.reason, (reasons.get(out.reason) ?? 0) + 1);
      }
    }
    const stats = d.stats();
    expect(stats.templates).toBeLessThanOrEqual(limits.maxTemplates);
    expect(stats.pendingSets).toBeLessThanOrEqual(limits.maxPendingSets);
    expect(stats.pendingBytes).toBeLessThanOrEqual(limits.maxPendingBytes);
    // The corpus reaches every reason and still lets some datagrams through.
    expect([...reasons.keys()].sort()).toEqual([...REJECT_REASONS].sort());
    expect(accepted).toBeGreaterThan(100);
    // How long it takes is measured by `npm run bench -- agent-timings`, not asserted here.
  });

  it('never lets an exception out of the receiver', () => {
    const receiver = new FlowReceiver({ allowedExporters: ['0.0.0.0/0'], sink: { add() {} } });
    for (const dgram of datagrams) receiver.ingest(dgram, '192.0.2.7');
    expect(receiver.stats()).toMatchObject({ datagrams: datagrams.length, faults: 0 });
  });
});
