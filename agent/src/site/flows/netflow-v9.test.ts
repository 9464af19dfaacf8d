import { describe, expect, it } from 'vitest';
import { FlowDecoder } from './flow-decoder.js';
import type { DecodeOutcome } from './model.js';
import { dataSet, IE, set, type TemplateDef, V4_UPTIME_FIELDS, v9Datagram, v9OptionsTemplateSet, v9TemplateSet } from './test-support/datagram-builders.js';

// RFC 3954: templates (flowset 0) scoped by exporter + source id, options templates (flowset 1),
// data flowsets (id ≥ 256) padded to 32 bits.
const T = 1_767_225_600;
const header = (over: { sysUptime?: number; sourceId?: number; unixSecs?: number } = {}) => ({ sysUptime: 600_000, unixSecs: T, ...over });
const V4: TemplateDef = { id: 256, fields: V4_UPTIME_FIELDS };
const row = (src: string, dst: string, bytes: number, startUptime = 590_000, endUptime = 599_000) => [
  src,
  dst,
  40_000,
  443,
  6,
  bytes,
  3,
  startUptime,
  endUptime,
];

function records(out: DecodeOutcome) {
  if (!out.ok) throw new Error(`rejected: ${out.reason} ${out.detail}`);
  return out.records;
}

describe('NetFlow v9 templates and data', () => {
  it('decodes data with the template from the same datagram, times relative to sysUptime', () => {
    const d = new FlowDecoder();
    const out = d.decode(v9Datagram(header(), [v9TemplateSet([V4]), dataSet(V4, [row('10.1.1.1', '8.8.8.8', 1500)])]), '10.1.1.254');
    expect(out).toMatchObject({ ok: true, version: 9, templates: 1, pending: 0 });
    expect(records(out)).toEqual([
      {
        exporter: '10.1.1.254',
        ipVersion: 4,
        srcAddr: '10.1.1.1',
        dstAddr: '8.8.8.8',
        srcPort: 40_000,
        dstPort: 443,
        protocol: 6,
        bytes: 1500,
        packets: 3,
        start: T * 1000 - 10_000,
        end: T * 1000 - 1_000,
      },
    ]);
  });

  it('keeps data that arrives before its template and decodes it, with its own header times, when the template comes', () => {
    const d = new FlowDecoder();
    const early = d.decode(
      v9Datagram(header({ unixSecs: T - 30 }), [dataSet(V4, [row('10.1.1.1', '8.8.8.8', 100), row('10.1.1.2', '8.8.4.4', 200)])]),
      '10.1.1.254',
    );
    expect(early).toMatchObject({ ok: true, records: [], pending: 1 });
    expect(d.stats()).toMatchObject({ pendingSets: 1 });
    const late = d.decode(v9Datagram(header(), [v9TemplateSet([V4])]), '10.1.1.254');
    expect(records(late).map((r) => [r.srcAddr, r.bytes, r.start])).toEqual([
      ['10.1.1.1', 100, (T - 30) * 1000 - 10_000],
      ['10.1.1.2', 200, (T - 30) * 1000 - 10_000],
    ]);
    expect(d.stats()).toMatchObject({ pendingSets: 0, pendingBytes: 0, pendingDecoded: 1, pendingDropped: 0 });
  });

  it('bounds the data waiting for templates: the oldest sets are dropped and counted', () => {
    const d = new FlowDecoder({ maxPendingSets: 2 });
    for (const bytes of [1, 2, 3]) d.decode(v9Datagram(header(), [dataSet(V4, [row('10.1.1.1', '8.8.8.8', bytes)])]), '10.1.1.254');
    expect(d.stats()).toMatchObject({ pendingSets: 2, pendingDropped: 1 });
    const out = d.decode(v9Datagram(header(), [v9TemplateSet([V4])]), '10.1.1.254');
    expect(records(out).map((r) => r.bytes)).toEqual([2, 3]);
  });

  it('bounds the waiting data by size as well', () => {
    const d = new FlowDecoder({ maxPendingBytes: 100 });
    const rows = Array.from({ length: 3 }, (_, i) => row('10.1.1.1', '8.8.8.8', i)); // 3 × 29 bytes
    d.decode(v9Datagram(header(), [dataSet(V4, rows)]), '10.1.1.254');
    d.decode(v9Datagram(header(), [dataSet(V4, rows)]), '10.1.1.254');
    expect(d.stats()).toMatchObject({ pendingSets: 1, pendingBytes: 87, pendingDropped: 1 });
  });

  it('scopes templates by exporter address and source id', () => {
    const d = new FlowDecoder();
    const swapped: TemplateDef = { id: 256, fields: [V4_UPTIME_FIELDS[1]!, V4_UPTIME_FIELDS[0]!, ...V4_UPTIME_FIELDS.slice(2)] };
    d.decode(v9Datagram(header({ sourceId: 1 }), [v9TemplateSet([V4])]), '10.1.1.254');
    d.decode(v9Datagram(header({ sourceId: 2 }), [v9TemplateSet([swapped])]), '10.1.1.254');
    d.decode(v9Datagram(header({ sourceId: 1 }), [v9TemplateSet([swapped])]), '10.2.2.254');
    const data = (sourceId: number) => v9Datagram(header({ sourceId }), [dataSet(V4, [row('10.1.1.1', '8.8.8.8', 1)])]);
    expect(records(d.decode(data(1), '10.1.1.254'))[0]).toMatchObject({ srcAddr: '10.1.1.1', dstAddr: '8.8.8.8' });
    expect(records(d.decode(data(2), '10.1.1.254'))[0]).toMatchObject({ srcAddr: '8.8.8.8', dstAddr: '10.1.1.1' });
    expect(records(d.decode(data(1), '10.2.2.254'))[0]).toMatchObject({ srcAddr: '8.8.8.8', dstAddr: '10.1.1.1' });
    expect(d.decode(data(3), '10.1.1.254')).toMatchObject({ ok: true, records: [], pending: 1 });
  });

  it('replaces a template when the exporter redefines it', () => {
    const d = new FlowDecoder();
    d.decode(v9Datagram(header(), [v9TemplateSet([V4])]), '10.1.1.254');
    const v2: TemplateDef = { id: 256, fields: [...V4_UPTIME_FIELDS, { id: IE.tcpControlBits, length: 1 }] };
    d.decode(v9Datagram(header(), [v9TemplateSet([v2])]), '10.1.1.254');
    const out = d.decode(v9Datagram(header(), [dataSet(v2, [[...row('10.1.1.1', '8.8.8.8', 5), 0x12]])]), '10.1.1.254');
    expect(records(out)).toMatchObject([{ bytes: 5, tcpFlags: 0x12 }]);
    expect(d.stats().templates).toBe(1);
  });

  it('decodes IPv6 templates and several templates in one flowset', () => {
    const v6: TemplateDef = {
      id: 257,
      fields: [
        { id: IE.sourceIPv6Address, length: 16 },
        { id: IE.destinationIPv6Address, length: 16 },
        { id: IE.protocolIdentifier, length: 1 },
        { id: IE.octetDeltaCount, length: 8 },
        { id: IE.packetDeltaCount, length: 8 },
        { id: IE.flowStartSysUpTime, length: 4 },
        { id: IE.flowEndSysUpTime, length: 4 },
        { id: IE.ingressInterface, length: 2 },
        { id: IE.egressInterface, length: 2 },
      ],
    };
    const d = new FlowDecoder();
    const out = d.decode(
      v9Datagram(header(), [v9TemplateSet([V4, v6]), dataSet(v6, [['2001:db8:0:1::10', 'fe80::1', 58, 2 ** 40, 7, 599_000, 599_500, 4, 5]], 3)]),
      '2001:db8::1',
    );
    expect(records(out)).toEqual([
      {
        exporter: '2001:db8::1',
        ipVersion: 6,
        srcAddr: '2001:db8:0:1::10',
        dstAddr: 'fe80::1',
        srcPort: 0,
        dstPort: 0,
        protocol: 58,
        bytes: 2 ** 40,
        packets: 7,
        start: T * 1000 - 1_000,
        end: T * 1000 - 500,
        inputIf: 4,
        outputIf: 5,
      },
    ]);
  });

  it('parses options templates and skips their data; padding after templates and records is ignored', () => {
    const d = new FlowDecoder();
    const options = { id: 300, scope: [{ id: 1, length: 4 }], options: [{ id: IE.samplingInterval, length: 4 }] };
    const out = d.decode(
      v9Datagram(header(), [
        v9TemplateSet([V4], 2),
        v9OptionsTemplateSet(options, 2),
        dataSet({ id: 300, fields: [...options.scope, ...options.options] }, [[0, 100]]),
        dataSet(V4, [row('10.1.1.1', '8.8.8.8', 1)], 3),
      ]),
      '10.1.1.254',
    );
    expect(out).toMatchObject({ ok: true, templates: 2 });
    expect(records(out)).toHaveLength(1);
    expect(d.stats()).toMatchObject({ optionsRecords: 1, unknownSets: 0 });
  });

  it('skips flowsets with reserved ids (2–255) and tolerates up to 3 trailing bytes', () => {
    const d = new FlowDecoder();
    const dgram = Buffer.concat([
      v9Datagram(header(), [set(42, Buffer.alloc(8)), v9TemplateSet([V4]), dataSet(V4, [row('10.1.1.1', '8.8.8.8', 9)])]),
      Buffer.alloc(3),
    ]);
    expect(records(d.decode(dgram, '10.1.1.254'))).toHaveLength(1);
    expect(d.stats().unknownSets).toBe(1);
  });
});

describe('NetFlow v9 malformed datagrams', () => {
  const templateWith = (id: number, count: number, specs: number[]) => set(0, Buffer.from(new Uint16Array([id, count, ...specs]).buffer).swap16());
  it.each([
    ['a header cut short', v9Datagram(header(), []).subarray(0, 19), 'truncated-header'],
    ['a template with no fields', v9Datagram(header(), [templateWith(256, 0, [])]), 'template-invalid'],
    ['a template id below 256', v9Datagram(header(), [templateWith(255, 1, [8, 4])]), 'template-invalid'],
    ['a field count running past the flowset', v9Datagram(header(), [templateWith(256, 40, [8, 4])]), 'template-invalid'],
    ['an absurd field count', v9Datagram(header(), [templateWith(256, 5000, [8, 4])]), 'template-invalid'],
    ['a field of length 0', v9Datagram(header(), [templateWith(256, 1, [8, 0])]), 'template-invalid'],
    ['a record longer than any datagram', v9Datagram(header(), [templateWith(256, 2, [8, 0xffff, 12, 4])]), 'template-invalid'],
    [
      'options template lengths not multiples of 4',
      v9Datagram(header(), [set(1, Buffer.from([1, 0, 0, 4, 0, 3, 0, 1, 0, 4, 0, 34, 0, 3]))]),
      'template-invalid',
    ],
    ['a flowset length below its header', v9Datagram(header(), [Buffer.from([1, 0, 0, 2, 0, 0, 0, 0])]), 'set-length-invalid'],
    ['a flowset length beyond the datagram', v9Datagram(header(), [v9TemplateSet([V4]).subarray(0, 20)]), 'set-length-invalid'],
  ])('rejects %s', (_name, dgram, reason) => {
    const d = new FlowDecoder();
    expect(d.decode(dgram, '10.1.1.254')).toMatchObject({ ok: false, version: 9, reason });
  });

  it('learns nothing from a rejected datagram', () => {
    const d = new FlowDecoder();
    const bad = v9Datagram(header(), [v9TemplateSet([V4]), dataSet({ id: 400, fields: [] }, []), Buffer.from([0, 0, 0, 1])]);
    expect(d.decode(bad, '10.1.1.254')).toMatchObject({ ok: false, reason: 'set-length-invalid' });
    expect(d.stats().templates).toBe(0);
    expect(d.decode(v9Datagram(header(), [dataSet(V4, [row('10.1.1.1', '8.8.8.8', 1)])]), '10.1.1.254')).toMatchObject({ ok: true, pending: 1 });
  });
});
