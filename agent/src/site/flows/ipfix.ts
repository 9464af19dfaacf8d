import { type DecodeOutcome, reject } from './model.js';
import { domainKey, type TemplateStore } from './template-store.js';
import { type DecodeCounters, decodeTemplatedMessage } from './templated-message.js';

export const IPFIX_HEADER_LENGTH = 16;

/**
 * IPFIX (RFC 7011): 16-byte header (version 10, length, export time, sequence, observation
 * domain), then sets. One message per datagram (§10.3.2), so the length must match it exactly.
 * Templates are scoped by exporter address and observation domain.
 */
export function decodeIpfix(buf: Buffer, exporter: string, store: TemplateStore, counters: DecodeCounters): DecodeOutcome {
  if (buf.length < IPFIX_HEADER_LENGTH) return reject('truncated-header', `${buf.length} bytes, IPFIX header is 16`, 10);
  const length = buf.readUInt16BE(2);
  if (length !== buf.length) return reject('length-mismatch', `message length ${length}, datagram ${buf.length}`, 10);
  const domain = buf.readUInt32BE(12);
  return decodeTemplatedMessage(
    buf,
    {
      version: 10,
      flavour: 'ipfix',
      exporter,
      domain: domainKey(10, exporter, domain),
      templateSetId: 2,
      optionsSetId: 3,
      setsStart: IPFIX_HEADER_LENGTH,
      end: length,
      time: { exportMs: buf.readUInt32BE(4) * 1000 },
    },
    store,
    counters,
  );
}
