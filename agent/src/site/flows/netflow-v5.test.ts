import { describe, expect, it } from 'vitest';
import type { FlowRecord } from './model.js';
import { decodeNetflowV5 } from './netflow-v5.js';
import { v5Datagram } from './test-support/datagram-builders.js';

// Cisco NetFlow v5 export format: 24-byte header, 48-byte records, times as sysUptime offsets.
const T = 1_767_225_600; // 2026-01-01T00:00:00Z, seconds

describe('NetFlow v5', () => {
  it('decodes every record with times placed from sysUptime and unix_secs/nsecs', () => {
    const dgram = v5Datagram({ sysUptime: 100_000, unixSecs: T, unixNsecs: 250_000_000 }, [
      {
        src: '192.168.1.10',
        dst: '203.0.113.7',
        input: 2,
        output: 3,
        packets: 12,
        bytes: 9_000,
        first: 40_000,
        last: 95_000,
        srcPort: 51_000,
        dstPort: 443,
        tcpFlags: 0x1b,
        protocol: 6,
      },
      { src: '192.168.1.11', dst: '9.9.9.9', packets: 1, bytes: 76, first: 99_000, last: 99_000, srcPort: 40_001, dstPort: 53, protocol: 17 },
    ]);
    const out = decodeNetflowV5(dgram, '192.168.1.1');
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const exportMs = T * 1000 + 250;
    expect(out.records[0]).toEqual<FlowRecord>({
      exporter: '192.168.1.1',
      ipVersion: 4,
      srcAddr: '192.168.1.10',
      dstAddr: '203.0.113.7',
      srcPort: 51_000,
      dstPort: 443,
      protocol: 6,
      bytes: 9_000,
      packets: 12,
      start: exportMs - 60_000,
      end: exportMs - 5_000,
      inputIf: 2,
      outputIf: 3,
      tcpFlags: 0x1b,
    });
    expect(out.records[1]).toMatchObject({
      srcAddr: '192.168.1.11',
      dstAddr: '9.9.9.9',
      dstPort: 53,
      protocol: 17,
      bytes: 76,
      packets: 1,
      start: exportMs - 1_000,
    });
  });

  it('places flows read just before the uptime wrapped (softflowd reading a capture exports uptime 0)', () => {
    const first = 2 ** 32 - 62_169; // 62.169 s before the export
    const out = decodeNetflowV5(
      v5Datagram({ sysUptime: 0, unixSecs: T }, [
        { src: '10.0.0.5', dst: '1.1.1.1', packets: 1, bytes: 68, first, last: first + 10, srcPort: 5353, dstPort: 53, protocol: 17 },
      ]),
      '127.0.0.1',
    );
    expect(out.ok && out.records[0]).toMatchObject({ start: T * 1000 - 62_169, end: T * 1000 - 62_159 });
  });

  it.each([
    ['a header cut short', v5Datagram({ sysUptime: 0, unixSecs: T }, []).subarray(0, 23), 'truncated-header'],
    ['a count of 0', v5Datagram({ sysUptime: 0, unixSecs: T }, []), 'record-count-mismatch'],
    ['a count over 30', v5Datagram({ sysUptime: 0, unixSecs: T, count: 31 }, []), 'record-count-mismatch'],
    [
      'a count of 3 with 2 records',
      v5Datagram({ sysUptime: 0, unixSecs: T, count: 3 }, [
        { src: '10.0.0.1', dst: '10.0.0.2', packets: 1, bytes: 40, first: 0, last: 0, srcPort: 1, dstPort: 2, protocol: 6 },
        { src: '10.0.0.1', dst: '10.0.0.2', packets: 1, bytes: 40, first: 0, last: 0, srcPort: 1, dstPort: 2, protocol: 6 },
      ]),
      'record-count-mismatch',
    ],
  ])('rejects %s', (_name, dgram, reason) => {
    expect(decodeNetflowV5(dgram, '10.0.0.254')).toMatchObject({ ok: false, version: 5, reason });
  });
});
