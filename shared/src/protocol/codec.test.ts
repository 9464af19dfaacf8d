import { describe, expect, it } from 'vitest';
import { decodeAgentFrame, decodeCollectorFrame, encodeMessage } from './codec.js';
import { invalidAgentFrames, invalidCollectorFrames, validAgentFrames, validCollectorFrames } from './fixtures.js';
import { MAX_FRAME_BYTES } from './limits.js';
import { formatSeriesKey, isSeriesKey, parseSeriesKey } from './series-key.js';

describe('protocol v1 codec', () => {
  it.each(validAgentFrames)('accepts a valid $name frame', ({ frame }) => {
    const res = decodeAgentFrame(JSON.stringify(frame));
    expect(res.ok ? 'ok' : `${res.code} ${res.message}`).toBe('ok');
  });

  it.each(invalidAgentFrames)('refuses $name with $code', ({ raw, code }) => {
    const res = decodeAgentFrame(raw);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.code).toBe(code);
      expect(res.message.length).toBeGreaterThan(0);
    }
  });

  it('refuses an oversized frame before parsing it', () => {
    const raw = Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20);
    const res = decodeAgentFrame(raw);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.code).toBe('VIGIE_E_FRAME_TOO_LARGE');
  });

  it('decodes collector messages on the agent side and refuses agent types there', () => {
    const ack = decodeCollectorFrame(encodeMessage({ type: 'ack', seq: 1, body: { seq: 42 } }));
    expect(ack.ok && ack.msg.type === 'ack' && ack.msg.body.seq).toBe(42);
    const wrong = decodeCollectorFrame(encodeMessage({ type: 'metrics', seq: 1, body: { samples: [] } }));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.code).toBe('VIGIE_E_WRONG_DIRECTION');
  });

  it('refuses a metrics frame above the per-frame value limit', () => {
    const values: Record<string, number> = {};
    for (let i = 0; i < 1001; i++) values[`m.v${i}`] = i;
    const samples = Array.from({ length: 20 }, (_, i) => ({ ts: i, values }));
    const res = decodeAgentFrame(encodeMessage({ type: 'metrics', seq: 1, body: { samples } }));
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.code).toBe('VIGIE_E_INVALID_BODY');
  });
});

describe('series keys', () => {
  it('round-trips names and labels, sorted', () => {
    const key = formatSeriesKey('fs.used_pct', { mount: '/var/lib', dev: 'sda1' });
    expect(key).toBe('fs.used_pct{dev=sda1,mount=/var/lib}');
    expect(parseSeriesKey(key)).toEqual({ name: 'fs.used_pct', labels: { dev: 'sda1', mount: '/var/lib' } });
    expect(parseSeriesKey('cpu.usage_pct')).toEqual({ name: 'cpu.usage_pct', labels: {} });
  });

  it('escapes label values that would break the syntax', () => {
    const key = formatSeriesKey('net.rx_bps', { iface: 'a,b}c=d' });
    expect(isSeriesKey(key)).toBe(true);
    expect(parseSeriesKey(key).labels.iface).toBe('a_b_c_d');
  });

  it('refuses malformed keys', () => {
    for (const k of ['', 'Cpu', 'cpu{', 'cpu{x}', 'a'.repeat(300), 'cpu usage']) expect(isSeriesKey(k)).toBe(false);
  });
});

describe('collector frames, as the agent decodes them', () => {
  it.each(validCollectorFrames)('accepts a valid $name frame', ({ frame }) => {
    const res = decodeCollectorFrame(JSON.stringify(frame));
    expect(res.ok ? 'ok' : `${res.code} ${res.message}`).toBe('ok');
  });

  it.each(invalidCollectorFrames)('refuses $name with $code', ({ raw, code }) => {
    const res = decodeCollectorFrame(raw);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.code).toBe(code);
  });
});
