/**
 * Charts drawn as pdfkit vector paths on the report's flow: they stay sharp at any zoom and print
 * well in black and white (every bar carries its value in text; colours are never the only cue).
 */
import type { Flow, TextStyle } from '../billing/pdf-layout.js';

const TRACK = '#eeeeee';
const AXIS = '#999999';
const GRID = '#dddddd';
const TEXT = '#333333';

const label: TextStyle = { font: 'Helvetica', size: 7.5, color: TEXT };
const value: TextStyle = { font: 'Helvetica-Bold', size: 7.5, color: TEXT };
const caption: TextStyle = { font: 'Helvetica-Bold', size: 8.5, color: '#1f3a5f' };
const tick: TextStyle = { font: 'Helvetica', size: 6.5, color: '#666666' };

/** Dark for good, lighter and warmer as availability drops: distinct in grey as in colour. */
export function availabilityColor(pct: number | null): string {
  if (pct === null) return '#bbbbbb';
  if (pct >= 99) return '#2f6b3a';
  if (pct >= 95) return '#d08a1a';
  return '#c0392b';
}

export interface HBar {
  label: string;
  /** 0..max, or null for "no figure" (drawn as an empty track). */
  value: number | null;
  valueText: string;
  color?: string;
}

/** One horizontal bar per item on a 0..max scale; rows flow onto the next page when needed. */
export function horizontalBars(flow: Flow, title: string, items: readonly HBar[], max = 100, ticks: readonly number[] = [0, 25, 50, 75, 100]): void {
  const rowH = 13;
  const labelW = 130;
  const valueW = 52;
  const left = flow.frame.left;
  const trackX = left + labelW;
  const trackW = flow.width - labelW - valueW;
  const header = flow.lines(title, caption, flow.width);
  flow.ensure(header.length * 11 + rowH * Math.min(items.length, 3) + 12);
  flow.paragraph(header);
  flow.y += 2;
  const scaleY = () => {
    for (const t of ticks) {
      const x = trackX + (trackW * t) / max;
      const [l] = flow.lines(String(t), tick, 30);
      if (l) flow.drawLine(l, x - flow.widthOf(l.text, tick) / 2, flow.y, 30);
    }
    flow.y += 9;
  };
  scaleY();
  let top = flow.y;
  const gridLines = (from: number, to: number) => {
    for (const t of ticks) {
      const x = trackX + (trackW * t) / max;
      flow.doc.moveTo(x, from).lineTo(x, to).lineWidth(0.4).strokeColor(GRID).stroke();
    }
  };
  for (const item of items) {
    if (flow.room() < rowH) {
      gridLines(top, flow.y);
      flow.newPage();
      scaleY();
      top = flow.y;
    }
    const y = flow.y;
    const [l] = flow.lines(item.label, label, labelW - 6);
    if (l) flow.drawLine(l, left, y + 3, labelW - 6);
    flow.doc.rect(trackX, y + 2, trackW, rowH - 4).fill(TRACK);
    if (item.value !== null && item.value > 0) {
      flow.doc.rect(trackX, y + 2, (trackW * Math.min(item.value, max)) / max, rowH - 4).fill(item.color ?? availabilityColor(item.value));
    }
    const [v] = flow.lines(item.valueText, value, valueW - 4);
    if (v) flow.drawLine(v, trackX + trackW + 4, y + 3, valueW - 4, 'right');
    flow.y += rowH;
  }
  gridLines(top, flow.y);
  flow.y += 8;
}

export interface ColumnSeries {
  name: string;
  color: string;
}

export interface ColumnGroup {
  label: string;
  values: readonly number[];
}

/** Grouped vertical columns with an integer axis and a legend, kept whole on one page. */
export function groupedColumns(
  flow: Flow,
  title: string,
  series: readonly ColumnSeries[],
  groups: readonly ColumnGroup[],
  height = 90,
  format: (v: number) => string = String,
): void {
  const axisW = 34;
  const legendH = 12;
  const labelH = 12;
  const header = flow.lines(title, caption, flow.width);
  const total = header.length * 11 + legendH + height + labelH + 10;
  flow.ensure(total);
  flow.paragraph(header);
  // Legend: a swatch and a name per series (the title says it all for one).
  let lx = flow.frame.left + axisW;
  for (const s of series.length > 1 ? series : []) {
    flow.doc.rect(lx, flow.y + 2, 8, 7).fill(s.color);
    const [n] = flow.lines(s.name, label, 120);
    if (n) flow.drawLine(n, lx + 11, flow.y + 2, 120);
    lx += 11 + flow.widthOf(n?.text ?? '', label) + 16;
  }
  flow.y += legendH;
  const top = flow.y + 4;
  const bottom = top + height;
  const left = flow.frame.left + axisW;
  const width = flow.width - axisW;
  const maxValue = Math.max(1, ...groups.flatMap((g) => g.values));
  const step = niceStep(maxValue);
  const axisMax = Math.ceil(maxValue / step) * step;
  for (let v = 0; v <= axisMax; v += step) {
    const y = bottom - (height * v) / axisMax;
    flow.doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(0.4)
      .strokeColor(v === 0 ? AXIS : GRID)
      .stroke();
    const [t] = flow.lines(format(v), tick, axisW - 4);
    if (t) flow.drawLine(t, flow.frame.left, y - 3, axisW - 6, 'right');
  }
  const slot = width / Math.max(1, groups.length);
  const barW = Math.min(22, (slot * 0.7) / Math.max(1, series.length));
  groups.forEach((g, gi) => {
    const groupX = left + gi * slot + (slot - barW * series.length) / 2;
    g.values.forEach((v, si) => {
      const h = (height * v) / axisMax;
      const x = groupX + si * barW;
      if (h <= 0) return;
      flow.doc.rect(x + 1, bottom - h, barW - 2, h).fill(series[si]?.color ?? AXIS);
      const [vt] = flow.lines(format(v), tick, barW + 10);
      if (vt) flow.drawLine(vt, x + barW / 2 - flow.widthOf(vt.text, tick) / 2, bottom - h - 8, barW + 10);
    });
    const [gl] = flow.lines(g.label, tick, slot - 2);
    if (gl) flow.drawLine(gl, left + gi * slot + (slot - flow.widthOf(gl.text, tick)) / 2, bottom + 3, slot - 2);
  });
  flow.y = bottom + labelH + 6;
}

/** 1, 2 or 5 times a power of ten, giving at most about five grid lines. */
export function niceStep(max: number): number {
  const rough = max / 5;
  const pow = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  for (const m of [1, 2, 5, 10]) if (rough <= m * pow) return Math.max(1, m * pow);
  return 10 * pow;
}

export interface Tile {
  caption: string;
  value: string;
  detail?: string;
}

/** The key figures in a row of framed tiles. */
export function tiles(flow: Flow, items: readonly Tile[]): void {
  const gap = 8;
  const h = 54;
  const w = (flow.width - gap * (items.length - 1)) / items.length;
  flow.ensure(h + 8);
  items.forEach((t, i) => {
    const x = flow.frame.left + i * (w + gap);
    flow.doc.roundedRect(x, flow.y, w, h, 3).lineWidth(0.6).fillAndStroke('#f3f6fa', '#b9c7d8');
    const [c] = flow.lines(t.caption, { font: 'Helvetica', size: 7, color: '#4a5a6e' }, w - 10);
    if (c) flow.drawLine(c, x + 6, flow.y + 6, w - 12);
    const [v] = flow.lines(t.value, { font: 'Helvetica-Bold', size: 15, color: '#1f3a5f' }, w - 10);
    if (v) flow.drawLine(v, x + 6, flow.y + 19, w - 12);
    const [d] = flow.lines(t.detail ?? '', { font: 'Helvetica', size: 7, color: '#4a5a6e' }, w - 10);
    if (d) flow.drawLine(d, x + 6, flow.y + 40, w - 12);
  });
  flow.y += h + 12;
}
