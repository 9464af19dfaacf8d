import { type FieldSpec, type Template, VARIABLE_LENGTH } from './template-store.js';

export type Flavour = 'v9' | 'ipfix';
export type ParsedTemplates = { ok: true; templates: Template[] } | { ok: false; detail: string };

/** More fields than this is not a template any exporter sends: treat it as garbage. */
const MAX_FIELDS = 512;
/** A record must fit in one UDP datagram after the message and set headers. */
const MAX_RECORD_LENGTH = 65_535 - 16 - 4;

/** Set padding (RFC 3954 §5.3, RFC 7011 §3.3.1) is zeros; anything shorter than a header is too. */
function isPadding(buf: Buffer, from: number, end: number, headerLength: number): boolean {
  if (end - from < headerLength) return true;
  for (let i = from; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function readFields(buf: Buffer, off: number, end: number, count: number, flavour: Flavour): { fields: FieldSpec[]; next: number } | string {
  if (count > MAX_FIELDS) return `claims ${count} fields`;
  if (off + count * 4 > end) return `${count} fields run past the set`;
  const fields: FieldSpec[] = [];
  for (let i = 0; i < count; i++) {
    if (off + 4 > end) return 'field specifiers run past the set';
    let id = buf.readUInt16BE(off);
    const length = buf.readUInt16BE(off + 2);
    off += 4;
    let enterprise: number | undefined;
    if (flavour === 'ipfix' && id & 0x8000) {
      if (off + 4 > end) return 'enterprise number runs past the set';
      enterprise = buf.readUInt32BE(off);
      off += 4;
      id &= 0x7fff;
    }
    if (length === 0) return `field ${id} has length 0`;
    fields.push(enterprise === undefined ? { id, length } : { id, length, enterprise });
  }
  return { fields, next: off };
}

function makeTemplate(id: number, kind: Template['kind'], fields: FieldSpec[], flavour: Flavour): Template | string {
  let minLength = 0;
  for (const f of fields) minLength += flavour === 'ipfix' && f.length === VARIABLE_LENGTH ? 1 : f.length;
  if (minLength > MAX_RECORD_LENGTH) return `template ${id}: records of ${minLength} bytes cannot fit a datagram`;
  return { id, kind, fields, minLength };
}

/**
 * The templates of one template or options template set (bytes `start`..`end`, after the set
 * header). Any malformed template fails the whole set.
 */
export function parseTemplateSet(buf: Buffer, start: number, end: number, flavour: Flavour, kind: Template['kind']): ParsedTemplates {
  const templates: Template[] = [];
  // Record header: id + count (data); id + count + scope count (IPFIX options);
  // id + scope length + option length in bytes (v9 options).
  const headerLength = kind === 'data' ? 4 : 6;
  let off = start;
  while (!isPadding(buf, off, end, headerLength)) {
    const id = buf.readUInt16BE(off);
    if (id < 256) return { ok: false, detail: `template id ${id} is below 256` };
    let count: number;
    if (kind === 'data') {
      count = buf.readUInt16BE(off + 2);
    } else if (flavour === 'ipfix') {
      count = buf.readUInt16BE(off + 2);
      const scope = buf.readUInt16BE(off + 4);
      if (scope === 0 || scope > count) return { ok: false, detail: `options template ${id}: scope count ${scope} of ${count} fields` };
    } else {
      const scopeBytes = buf.readUInt16BE(off + 2);
      const optionBytes = buf.readUInt16BE(off + 4);
      if (scopeBytes % 4 !== 0 || optionBytes % 4 !== 0)
        return { ok: false, detail: `options template ${id}: lengths ${scopeBytes}/${optionBytes} not multiples of 4` };
      count = (scopeBytes + optionBytes) / 4;
    }
    if (count === 0) return { ok: false, detail: `template ${id} has no fields` };
    const read = readFields(buf, off + headerLength, end, count, flavour);
    if (typeof read === 'string') return { ok: false, detail: `template ${id}: ${read}` };
    const template = makeTemplate(id, kind, read.fields, flavour);
    if (typeof template === 'string') return { ok: false, detail: template };
    templates.push(template);
    off = read.next;
  }
  return { ok: true, templates };
}
