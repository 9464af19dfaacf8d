import { decodeDataSet, readSystemInit, type TimeBase } from './data-records.js';
import { type DecodeOutcome, type FlowRecord, reject } from './model.js';
import { type Flavour, parseTemplateSet } from './template-parser.js';
import type { PendingSet, Template, TemplateStore } from './template-store.js';

/** What the version-specific header tells the shared set walker. */
export interface MessageFrame {
  version: 9 | 10;
  flavour: Flavour;
  exporter: string;
  domain: string;
  /** Set ids of template and options template sets (v9: 0 and 1, IPFIX: 2 and 3). */
  templateSetId: number;
  optionsSetId: number;
  setsStart: number;
  end: number;
  time: TimeBase;
}

/** Counters that are not reasons to reject a datagram but say what was skipped or guessed. */
export interface DecodeCounters {
  pendingDecoded: number;
  /** Pending data that failed to decode once its template arrived. */
  pendingRejected: number;
  /** Sets with a reserved id (2–255 in v9, 4–255 in IPFIX): skipped. */
  unknownSets: number;
  /** Records of options templates: exporter metadata, not flows. */
  optionsRecords: number;
  recordsWithoutAddress: number;
  approximateTimes: number;
}

export function emptyCounters(): DecodeCounters {
  return { pendingDecoded: 0, pendingRejected: 0, unknownSets: 0, optionsRecords: 0, recordsWithoutAddress: 0, approximateTimes: 0 };
}

interface Staged {
  templates: Template[];
  records: FlowRecord[];
  pending: PendingSet[];
  systemInitMs?: number;
  counters: DecodeCounters;
}

/**
 * Decodes the sets of a NetFlow v9 or IPFIX message in two steps: everything is read and checked
 * first against the store plus this message's own templates, and only a message found sound is
 * committed (templates stored, early data kept aside, waiting data decoded). A rejected
 * datagram therefore changes nothing.
 */
export function decodeTemplatedMessage(buf: Buffer, frame: MessageFrame, store: TemplateStore, counters: DecodeCounters): DecodeOutcome {
  const staged = stage(buf, frame, store);
  if ('reason' in staged) return staged;
  return commit(staged, frame, store, counters);
}

function stage(buf: Buffer, frame: MessageFrame, store: TemplateStore): Staged | Extract<DecodeOutcome, { ok: false }> {
  const { version, flavour, domain, exporter } = frame;
  const local = new Map<number, Template>();
  const staged: Staged = { templates: [], records: [], pending: [], counters: emptyCounters() };
  const fail = (reason: Parameters<typeof reject>[0], detail: string) => reject(reason, detail, version) as Extract<DecodeOutcome, { ok: false }>;
  let off = frame.setsStart;
  while (off < frame.end) {
    // v9 has no message length: a few trailing bytes are the exporter's padding.
    if (frame.end - off < 4 && flavour === 'v9') break;
    if (frame.end - off < 4) return fail('set-length-invalid', `${frame.end - off} bytes left after the last set`);
    const setId = buf.readUInt16BE(off);
    const setLength = buf.readUInt16BE(off + 2);
    if (setLength < 4) return fail('set-length-invalid', `set ${setId} claims ${setLength} bytes`);
    const setEnd = off + setLength;
    if (setEnd > frame.end) return fail('set-length-invalid', `set ${setId} claims ${setLength} bytes, ${frame.end - off} left`);
    const bodyStart = off + 4;
    off = setEnd;

    if (setId === frame.templateSetId || setId === frame.optionsSetId) {
      const parsed = parseTemplateSet(buf, bodyStart, setEnd, flavour, setId === frame.templateSetId ? 'data' : 'options');
      if (!parsed.ok) return fail('template-invalid', parsed.detail);
      for (const t of parsed.templates) {
        local.set(t.id, t);
        staged.templates.push(t);
      }
      continue;
    }
    if (setId < 256) {
      staged.counters.unknownSets++;
      continue;
    }
    const template = local.get(setId) ?? store.get(domain, setId);
    if (!template) {
      staged.pending.push({ domain, templateId: setId, data: Buffer.from(buf.subarray(bodyStart, setEnd)), exporter, ...pendingTime(frame.time) });
      continue;
    }
    if (template.kind === 'options') {
      const meta = readSystemInit(template, buf, bodyStart, setEnd);
      if (typeof meta === 'string') return fail('record-invalid', `options set ${setId}: ${meta}`);
      if (meta.systemInitMs !== undefined) staged.systemInitMs = meta.systemInitMs;
      staged.counters.optionsRecords++;
      continue;
    }
    const time = { ...frame.time, systemInitMs: staged.systemInitMs ?? store.getSystemInit(domain) };
    const decoded = decodeDataSet(template, buf, bodyStart, setEnd, exporter, time);
    if (typeof decoded === 'string') return fail('record-invalid', `data set ${setId}: ${decoded}`);
    staged.records.push(...decoded.records);
    staged.counters.recordsWithoutAddress += decoded.withoutAddress;
    staged.counters.approximateTimes += decoded.approximateTimes;
  }
  return staged;
}

function pendingTime(time: TimeBase): Pick<PendingSet, 'exportMs' | 'sysUptimeMs'> {
  return time.sysUptimeMs === undefined ? { exportMs: time.exportMs } : { exportMs: time.exportMs, sysUptimeMs: time.sysUptimeMs };
}

function commit(staged: Staged, frame: MessageFrame, store: TemplateStore, counters: DecodeCounters): DecodeOutcome {
  const { domain } = frame;
  for (const [k, v] of Object.entries(staged.counters) as [keyof DecodeCounters, number][]) counters[k] += v;
  if (staged.systemInitMs !== undefined) store.setSystemInit(domain, staged.systemInitMs);
  for (const t of staged.templates) store.set(domain, t);
  for (const p of staged.pending) store.addPending(p);
  const records = staged.records;
  for (const t of staged.templates) {
    for (const p of store.takePending(domain, t.id)) {
      if (t.kind === 'options') {
        counters.optionsRecords++;
        continue;
      }
      const time: TimeBase = { exportMs: p.exportMs, sysUptimeMs: p.sysUptimeMs, systemInitMs: store.getSystemInit(domain) };
      const decoded = decodeDataSet(t, p.data, 0, p.data.length, p.exporter, time);
      if (typeof decoded === 'string') {
        counters.pendingRejected++;
        continue;
      }
      counters.pendingDecoded++;
      counters.recordsWithoutAddress += decoded.withoutAddress;
      counters.approximateTimes += decoded.approximateTimes;
      records.push(...decoded.records);
    }
  }
  const defined = new Set(staged.templates.map((t) => t.id));
  const pending = staged.pending.filter((p) => !defined.has(p.templateId)).length;
  return { ok: true, version: frame.version, records, templates: staged.templates.length, pending };
}
