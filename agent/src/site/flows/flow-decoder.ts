import { decodeIpfix } from './ipfix.js';
import { type DecodeOutcome, reject } from './model.js';
import { decodeNetflowV5 } from './netflow-v5.js';
import { decodeNetflowV9 } from './netflow-v9.js';
import { TemplateStore, type TemplateStoreLimits } from './template-store.js';
import { type DecodeCounters, emptyCounters } from './templated-message.js';

export interface FlowDecoderStats extends DecodeCounters {
  templates: number;
  templatesEvicted: number;
  pendingSets: number;
  pendingBytes: number;
  pendingDropped: number;
}

/**
 * Decodes datagrams of any supported version, keeping the template state that NetFlow v9 and
 * IPFIX need. Never throws on datagram content: a bad datagram is an outcome with a reason.
 */
export class FlowDecoder {
  private readonly store: TemplateStore;
  private readonly counters = emptyCounters();

  constructor(limits: Partial<TemplateStoreLimits> = {}) {
    this.store = new TemplateStore(limits);
  }

  decode(datagram: Buffer, exporter: string): DecodeOutcome {
    if (datagram.length < 2) return reject('truncated-header', `${datagram.length} bytes, no version`);
    const version = datagram.readUInt16BE(0);
    switch (version) {
      case 5:
        return decodeNetflowV5(datagram, exporter);
      case 9:
        return decodeNetflowV9(datagram, exporter, this.store, this.counters);
      case 10:
        return decodeIpfix(datagram, exporter, this.store, this.counters);
      default:
        return reject('unsupported-version', `version ${version}`, version);
    }
  }

  stats(): FlowDecoderStats {
    return {
      ...this.counters,
      templates: this.store.templateCount,
      templatesEvicted: this.store.counters.templatesEvicted,
      pendingSets: this.store.pendingCount,
      pendingBytes: this.store.pendingSize,
      pendingDropped: this.store.counters.pendingDropped,
    };
  }
}
