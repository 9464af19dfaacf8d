/**
 * A minimal XML writer for the invoice formats: elements are nested arrays, text is always escaped,
 * absent optional elements are `undefined` and vanish, so no empty element is ever written by
 * mistake (EN 16931 forbids them). Output is indented, UTF-8, deterministic.
 */

export type XmlNode = XmlElement | undefined | false;

export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: XmlNode[] | string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Characters XML 1.0 cannot carry at all (C0 controls but tab and line breaks, lone surrogates, U+FFFE/F). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An element with text content, or nothing when the text is absent or blank. */
export function leaf(name: string, text: string | number | undefined | null, attrs: Record<string, string | undefined> = {}): XmlNode {
  if (text === undefined || text === null) return undefined;
  const s = String(text).trim();
  return s === '' ? undefined : { name, attrs, children: s };
}

/** An element with children, or nothing when none of them is present. */
export function node(name: string, children: XmlNode[], attrs: Record<string, string | undefined> = {}): XmlNode {
  return children.some(Boolean) ? { name, attrs, children } : undefined;
}

function render(n: XmlElement, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(n.attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v as string)}"`)
    .join('');
  if (typeof n.children === 'string') {
    out.push(`${pad}<${n.name}${attrs}>${escapeXml(n.children)}</${n.name}>`);
    return;
  }
  const kids = n.children.filter((c): c is XmlElement => Boolean(c));
  out.push(`${pad}<${n.name}${attrs}>`);
  for (const k of kids) render(k, depth + 1, out);
  out.push(`${pad}</${n.name}>`);
}

export function xmlDocument(root: XmlNode): string {
  if (!root) throw new Error('empty XML document');
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  render(root, 0, out);
  return `${out.join('\n')}\n`;
}
