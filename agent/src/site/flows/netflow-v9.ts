import { type DecodeOutcome, reject } from './model.js';
import { domainKey, type TemplateStore } from './template-store.js';
import { type DecodeCounters, decodeTemplatedMessage } from './templated-message.js';

export const V9_HEADER_LENGTH = 20;

/**
 * NetFlow v9 (RFC 3954): 20-byte header (version, count, sysUptime, unix_secs, sequence,
 * source id), then flowsets. Templates are scoped by exporter address and source id. The
 * header's record count is not checked: exporters disagree on what it counts.
 */
export function decodeNetflowV9(buf: Buffer, exporter: string, store: TemplateStore, counters: DecodeCounters): DecodeOutcome {
  if (buf.length < V9_HEADER_LENGTH) return reject('truncated-header', `${buf.length} bytes, v9 header is 20`, 9);
  const sourceId = buf.readUInt32BE(16);
  return decodeTemplatedMessage(
    buf,
    {
      version: 9,
      flavour: 'v9',
      exporter,
      domain: domainKey(9, exporter, sourceId),
      templateSetId: 0,
      optionsSetId: 1,
      setsStart: V9_HEADER_LENGTH,
      end: buf.length,
      time: { exportMs: buf.readUInt32BE(8) * 1000, sysUptimeMs: buf.readUInt32BE(4) },
    },
    store,
    counters,
  );
}
