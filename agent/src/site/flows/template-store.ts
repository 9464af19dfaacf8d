/** Length value that marks an IPFIX variable-length field (RFC 7011 §7). */
export const VARIABLE_LENGTH = 0xffff;

export interface FieldSpec {
  /** Information element id (enterprise bit cleared). */
  id: number;
  /** Bytes, or VARIABLE_LENGTH (IPFIX only). */
  length: number;
  /** Private enterprise number: the value is skipped by its length. */
  enterprise?: number;
}

export interface Template {
  id: number;
  /** Options templates describe exporter metadata, not flows. */
  kind: 'data' | 'options';
  fields: FieldSpec[];
  /** Smallest possible record: fixed lengths plus one length byte per variable field. */
  minLength: number;
}

/** A data set that arrived before its template, with what is needed to decode it later. */
export interface PendingSet {
  domain: string;
  templateId: number;
  data: Buffer;
  exporter: string;
  exportMs: number;
  /** NetFlow v9 header uptime; IPFIX has none. */
  sysUptimeMs?: number;
}

export interface TemplateStoreLimits {
  /** Templates kept over all exporters and domains; the least recently defined go first. */
  maxTemplates: number;
  /** Data sets waiting for a template, and their total size; the oldest are dropped first. */
  maxPendingSets: number;
  maxPendingBytes: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateStoreLimits = { maxTemplates: 2048, maxPendingSets: 64, maxPendingBytes: 256 * 1024 };

/** The key a template set is scoped by: version, exporter address and source id / observation domain. */
export function domainKey(version: 9 | 10, exporter: string, domainId: number): string {
  return `${version}|${exporter}|${domainId}`;
}

/**
 * Templates per exporter domain, data waiting for them, and IPFIX system init times learned from
 * options data — all bounded, so that a noisy or hostile exporter costs a fixed amount of memory.
 */
export class TemplateStore {
  readonly limits: TemplateStoreLimits;
  private readonly templates = new Map<string, Template>();
  private readonly systemInit = new Map<string, number>();
  private pending: PendingSet[] = [];
  private pendingBytes = 0;
  readonly counters = { templatesEvicted: 0, pendingDropped: 0 };

  constructor(limits: Partial<TemplateStoreLimits> = {}) {
    this.limits = { ...DEFAULT_TEMPLATE_LIMITS, ...limits };
  }

  get(domain: string, id: number): Template | undefined {
    return this.templates.get(`${domain}#${id}`);
  }

  /** Defines or replaces a template; a refresh moves it to the young end of the eviction order. */
  set(domain: string, template: Template): void {
    const key = `${domain}#${template.id}`;
    this.templates.delete(key);
    this.templates.set(key, template);
    while (this.templates.size > this.limits.maxTemplates) {
      const oldest = this.templates.keys().next().value as string;
      this.templates.delete(oldest);
      this.counters.templatesEvicted++;
    }
  }

  get templateCount(): number {
    return this.templates.size;
  }

  getSystemInit(domain: string): number | undefined {
    return this.systemInit.get(domain);
  }

  setSystemInit(domain: string, ms: number): void {
    this.systemInit.delete(domain);
    this.systemInit.set(domain, ms);
    if (this.systemInit.size > this.limits.maxTemplates) this.systemInit.delete(this.systemInit.keys().next().value as string);
  }

  /** Keeps a data set for later; returns how many older sets were dropped to make room. */
  addPending(set: PendingSet): number {
    let dropped = 0;
    if (set.data.length > this.limits.maxPendingBytes || this.limits.maxPendingSets === 0) {
      this.counters.pendingDropped++;
      return 1;
    }
    this.pending.push(set);
    this.pendingBytes += set.data.length;
    while (this.pending.length > this.limits.maxPendingSets || this.pendingBytes > this.limits.maxPendingBytes) {
      const old = this.pending.shift()!;
      this.pendingBytes -= old.data.length;
      dropped++;
    }
    this.counters.pendingDropped += dropped;
    return dropped;
  }

  /** Removes and returns the sets waiting for this template. */
  takePending(domain: string, templateId: number): PendingSet[] {
    const taken: PendingSet[] = [];
    const kept: PendingSet[] = [];
    for (const p of this.pending) (p.domain === domain && p.templateId === templateId ? taken : kept).push(p);
    if (taken.length === 0) return taken;
    this.pending = kept;
    for (const p of taken) this.pendingBytes -= p.data.length;
    return taken;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  get pendingSize(): number {
    return this.pendingBytes;
  }
}
