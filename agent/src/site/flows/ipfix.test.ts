import { describe, expect, it } from 'vitest';
import { FlowDecoder } from './flow-decoder.js';
import type { DecodeOutcome } from './model.js';
import {
  dataSet,
  IE,
  ipfixMessage,
  ipfixOptionsTemplateSet,
  ipfixTemplateSet,
  set,
  type TemplateDef,
  type TemplateField,
  VARLEN,
} from './test-support/datagram-builders.js';

// RFC 7011: template sets (2), options template sets (3), data sets (≥ 256), per exporter and
// observation domain; enterprise fields (§3.2), variable-length fields (§7), reduced-size
// counters (§6.2).
const T = 1_767_225_600;
const EXPORTER = '192.0.2.1';

function records(out: DecodeOutcome) {
  if (!out.ok) throw new Error(`rejected: ${out.reason} ${out.detail}`);
  return out.records;
}

const MS_FIELDS: TemplateField[] = [
  { id: IE.sourceIPv4Address, length: 4 },
  { id: IE.destinationIPv4Address, length: 4 },
  { id: IE.sourceTransportPort, length: 2 },
  { id: IE.destinationTransportPort, length: 2 },
  { id: IE.protocolIdentifier, length: 1 },
  { id: IE.tcpControlBits, length: 2 },
  { id: IE.octetDeltaCount, length: 8 },
  { id: IE.packetDeltaCount, length: 8 },
  { id: IE.flowStartMilliseconds, length: 8 },
  { id: IE.flowEndMilliseconds, length: 8 },
];

describe('IPFIX templates and data', () => {
  it('decodes flowStartMilliseconds/flowEndMilliseconds and 2-byte tcpControlBits', () => {
    const t: TemplateDef = { id: 256, fields: MS_FIELDS };
    const d = new FlowDecoder();
    const out = d.decode(
      ipfixMessage({ exportTime: T }, [
        ipfixTemplateSet([t]),
        dataSet(t, [['172.16.0.9', '198.51.100.20', 55_000, 993, 6, 0x018, 48_211, 61, T * 1000 - 4_321, T * 1000 - 21]]),
      ]),
      EXPORTER,
    );
    expect(out).toMatchObject({ ok: true, version: 10, templates: 1 });
    expect(records(out)).toEqual([
      {
        exporter: EXPORTER,
        ipVersion: 4,
        srcAddr: '172.16.0.9',
        dstAddr: '198.51.100.20',
        srcPort: 55_000,
        dstPort: 993,
        protocol: 6,
        tcpFlags: 0x18,
        bytes: 48_211,
        packets: 61,
        start: T * 1000 - 4_321,
        end: T * 1000 - 21,
      },
    ]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('reads octetDeltaCount/packetDeltaCount on %i bytes (reduced-size encoding)', (len) => {
    const t: TemplateDef = {
      id: 300 + len,
      fields: [
        { id: IE.sourceIPv4Address, length: 4 },
        { id: IE.destinationIPv4Address, length: 4 },
        { id: IE.octetDeltaCount, length: len },
        { id: IE.packetDeltaCount, length: len },
      ],
    };
    const max = Math.min(2 ** (8 * len) - 1, Number.MAX_SAFE_INTEGER);
    const out = new FlowDecoder().decode(ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t]), dataSet(t, [['10.0.0.1', '10.0.0.2', max, len]])]), EXPORTER);
    expect(records(out)[0]).toMatchObject({ bytes: max, packets: len, start: T * 1000, end: T * 1000 });
  });

  it('skips enterprise-specific fields by their length, fixed or variable, and decodes IPv6', () => {
    const t: TemplateDef = {
      id: 256,
      fields: [
        { id: IE.sourceIPv6Address, length: 16 },
        { id: 100, length: VARLEN, enterprise: 9 },
        { id: IE.destinationIPv6Address, length: 16 },
        { id: IE.octetDeltaCount, length: 4 },
        { id: 1, length: 4, enterprise: 29_305 }, // an enterprise field reusing a standard id: not octets
        { id: IE.packetDeltaCount, length: 4 },
        { id: 7, length: 2, enterprise: 6876 },
        { id: IE.sourceTransportPort, length: 2 },
        { id: IE.destinationTransportPort, length: 2 },
        { id: IE.protocolIdentifier, length: 1 },
        { id: IE.ipVersion, length: 1 },
      ],
    };
    const out = new FlowDecoder().decode(
      ipfixMessage({ exportTime: T }, [
        ipfixTemplateSet([t]),
        dataSet(t, [['2a01:e0a:1:2::42', Buffer.from('vendor blob'), '2606:4700::6810:84e5', 4_096, 999_999, 4, 1, 443, 62_000, 17, 6]]),
      ]),
      EXPORTER,
    );
    expect(records(out)).toMatchObject([
      { ipVersion: 6, srcAddr: '2a01:e0a:1:2::42', dstAddr: '2606:4700::6810:84e5', bytes: 4_096, packets: 4, srcPort: 443, dstPort: 62_000, protocol: 17 },
    ]);
  });

  it('decodes variable-length fields in short (< 255) and long (255 + 2 bytes) form, and several records per set', () => {
    const t: TemplateDef = {
      id: 256,
      fields: [
        { id: IE.sourceIPv4Address, length: 4 },
        { id: IE.interfaceName, length: VARLEN },
        { id: IE.destinationIPv4Address, length: 4 },
        { id: 200, length: VARLEN, enterprise: 4242 },
        { id: IE.octetDeltaCount, length: 4 },
      ],
    };
    const rows = [
      ['10.0.0.1', Buffer.from('eth0'), '10.0.0.2', Buffer.alloc(0), 111],
      ['10.0.0.3', Buffer.alloc(254, 0x61), '10.0.0.4', Buffer.alloc(300, 0x62), 222],
      ['10.0.0.5', Buffer.alloc(1_000, 0x63), '10.0.0.6', Buffer.from('x'), 333],
    ];
    const out = new FlowDecoder().decode(ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t]), dataSet(t, rows)]), EXPORTER);
    expect(records(out).map((r) => [r.srcAddr, r.dstAddr, r.bytes])).toEqual([
      ['10.0.0.1', '10.0.0.2', 111],
      ['10.0.0.3', '10.0.0.4', 222],
      ['10.0.0.5', '10.0.0.6', 333],
    ]);
  });

  it('places flowStartSysUpTime with systemInitTimeMilliseconds from options data, across the 32-bit wrap (softflowd style)', () => {
    const init = T * 1000 + 701; // softflowd: init ≈ export time, flow uptimes just below 2^32
    const options = { id: 256, scope: [{ id: 143, length: 4 }], options: [{ id: IE.systemInitTimeMilliseconds, length: 8 }] };
    const flows: TemplateDef = {
      id: 1024,
      fields: [
        { id: IE.sourceIPv4Address, length: 4 },
        { id: IE.destinationIPv4Address, length: 4 },
        { id: IE.flowStartSysUpTime, length: 4 },
        { id: IE.flowEndSysUpTime, length: 4 },
        { id: IE.octetDeltaCount, length: 4 },
      ],
    };
    const out = new FlowDecoder().decode(
      ipfixMessage({ exportTime: T + 1 }, [
        ipfixTemplateSet([flows]),
        ipfixOptionsTemplateSet(options),
        dataSet({ id: 256, fields: [...options.scope, ...options.options] }, [[31_675, init]]),
        dataSet(flows, [['10.0.0.5', '1.1.1.1', 2 ** 32 - 62_169, 2 ** 32 - 62_159, 68]]),
      ]),
      EXPORTER,
    );
    expect(records(out)[0]).toMatchObject({ start: init - 62_169, end: init - 62_159 });
  });

  it('uses a systemInitTimeMilliseconds carried in the flow record itself, and flowStartSeconds', () => {
    const t: TemplateDef = {
      id: 256,
      fields: [
        { id: IE.sourceIPv4Address, length: 4 },
        { id: IE.destinationIPv4Address, length: 4 },
        { id: IE.systemInitTimeMilliseconds, length: 8 },
        { id: IE.flowStartSysUpTime, length: 4 },
        { id: IE.flowEndSeconds, length: 4 },
      ],
    };
    const init = T * 1000 - 86_400_000;
    const out = new FlowDecoder().decode(
      ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t]), dataSet(t, [['10.0.0.1', '10.0.0.2', init, 86_000_000, T - 5]])]),
      EXPORTER,
    );
    expect(records(out)[0]).toMatchObject({ start: init + 86_000_000, end: (T - 5) * 1000 });
  });

  it('counts flows whose sysUpTime cannot be placed (no init time known) and stamps them with the export time', () => {
    const t: TemplateDef = {
      id: 256,
      fields: [
        { id: IE.sourceIPv4Address, length: 4 },
        { id: IE.destinationIPv4Address, length: 4 },
        { id: IE.flowStartSysUpTime, length: 4 },
      ],
    };
    const d = new FlowDecoder();
    expect(records(d.decode(ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t]), dataSet(t, [['10.0.0.1', '10.0.0.2', 5]])]), EXPORTER))[0]).toMatchObject({
      start: T * 1000,
      end: T * 1000,
    });
    expect(d.stats().approximateTimes).toBe(1);
  });

  it('keeps data that arrives before its template, per observation domain', () => {
    const t: TemplateDef = { id: 256, fields: MS_FIELDS };
    const d = new FlowDecoder();
    const data = dataSet(t, [['10.0.0.1', '10.0.0.2', 1, 2, 6, 0, 10, 1, T * 1000 - 9, T * 1000 - 1]]);
    expect(d.decode(ipfixMessage({ exportTime: T, domain: 7 }, [data]), EXPORTER)).toMatchObject({ ok: true, pending: 1 });
    // The same template id in another domain does not release it.
    expect(records(d.decode(ipfixMessage({ exportTime: T, domain: 8 }, [ipfixTemplateSet([t])]), EXPORTER))).toEqual([]);
    expect(records(d.decode(ipfixMessage({ exportTime: T, domain: 7 }, [ipfixTemplateSet([t])]), EXPORTER))).toMatchObject([
      { srcAddr: '10.0.0.1', bytes: 10 },
    ]);
  });

  it('ignores zero padding at the end of template and data sets', () => {
    const t: TemplateDef = { id: 256, fields: MS_FIELDS };
    const out = new FlowDecoder().decode(
      ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t], 4), dataSet(t, [['10.0.0.1', '10.0.0.2', 1, 2, 6, 0, 10, 1, T * 1000, T * 1000]], 7)]),
      EXPORTER,
    );
    expect(records(out)).toHaveLength(1);
  });
});

describe('IPFIX malformed messages', () => {
  const t: TemplateDef = { id: 256, fields: MS_FIELDS };
  const good = ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t])]);
  const varT: TemplateDef = {
    id: 260,
    fields: [
      { id: IE.sourceIPv4Address, length: 4 },
      { id: IE.interfaceName, length: VARLEN },
    ],
  };
  it.each([
    ['a header cut short', good.subarray(0, 15), 'truncated-header'],
    ['a length longer than the datagram', ipfixMessage({ exportTime: T, length: 200 }, [ipfixTemplateSet([t])]), 'length-mismatch'],
    ['a length shorter than the datagram', ipfixMessage({ exportTime: T, length: 20 }, [ipfixTemplateSet([t])]), 'length-mismatch'],
    ['a set length beyond the message', ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t]).subarray(0, 30)]), 'set-length-invalid'],
    ['a set length of 0', ipfixMessage({ exportTime: T }, [Buffer.from([0, 2, 0, 0])]), 'set-length-invalid'],
    ['stray bytes after the last set', ipfixMessage({ exportTime: T }, [ipfixTemplateSet([t]), Buffer.from([0, 0])]), 'set-length-invalid'],
    [
      'a template withdrawal (no fields), not allowed over UDP',
      ipfixMessage({ exportTime: T }, [set(2, Buffer.from([1, 0, 0, 0, 0, 1, 0, 0]))]),
      'template-invalid',
    ],
    [
      'an enterprise number cut off by the set end',
      ipfixMessage({ exportTime: T }, [set(2, Buffer.from([1, 0, 0, 1, 0x80, 1, 0, 4, 0, 0]))]),
      'template-invalid',
    ],
    [
      'an options template with scope count 0',
      ipfixMessage({ exportTime: T }, [ipfixOptionsTemplateSet({ id: 256, scope: [], options: [{ id: 160, length: 8 }], scopeCount: 0 })]),
      'template-invalid',
    ],
    [
      'an options template with more scope fields than fields',
      ipfixMessage({ exportTime: T }, [ipfixOptionsTemplateSet({ id: 256, scope: [{ id: 143, length: 4 }], options: [], scopeCount: 2 })]),
      'template-invalid',
    ],
    [
      'a variable-length field running past its set',
      ipfixMessage({ exportTime: T }, [ipfixTemplateSet([varT]), set(260, Buffer.from([10, 0, 0, 1, 200, 0x61, 0x62]))]),
      'record-invalid',
    ],
    [
      'a long variable length cut short',
      ipfixMessage({ exportTime: T }, [ipfixTemplateSet([varT]), set(260, Buffer.from([10, 0, 0, 1, 255, 1]))]),
      'record-invalid',
    ],
  ])('rejects %s', (_name, msg, reason) => {
    expect(new FlowDecoder().decode(msg, EXPORTER)).toMatchObject({ ok: false, version: 10, reason });
  });

  it('rejects an unknown version and a datagram too short to have one', () => {
    const d = new FlowDecoder();
    expect(d.decode(Buffer.from([0, 7, 0, 0]), EXPORTER)).toMatchObject({ ok: false, reason: 'unsupported-version', version: 7 });
    expect(d.decode(Buffer.from([0]), EXPORTER)).toMatchObject({ ok: false, reason: 'truncated-header' });
  });
});
