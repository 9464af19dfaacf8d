/**
 * The report's typographic vocabulary over the shared PDF flow (billing/pdf-layout): section
 * headings, paragraphs and tables whose column widths are given as shares of the page width.
 */
import { type Align, type Column, Flow, type TextStyle } from '../billing/pdf-layout.js';
import type { ReportFormatters, ReportMessages } from './report-messages.js';

const style = (font: TextStyle['font'], size: number, color = '#222222'): TextStyle => ({ font, size, color });

export const S = {
  body: style('Helvetica', 9),
  bold: style('Helvetica-Bold', 9),
  small: style('Helvetica', 7.5, '#555555'),
  note: style('Helvetica-Oblique', 8.5, '#555555'),
  cell: style('Helvetica', 7.5),
  header: style('Helvetica-Bold', 7.5),
  heading: style('Helvetica-Bold', 12, '#1f3a5f'),
  subheading: style('Helvetica-Bold', 9.5, '#1f3a5f'),
  title: style('Helvetica-Bold', 18, '#1f3a5f'),
  month: style('Helvetica-Bold', 13, '#222222'),
  provider: style('Helvetica-Bold', 11, '#222222'),
  footer: style('Helvetica', 7, '#666666'),
};

export interface TableColumn {
  label: string;
  /** Share of the page width; the shares of a table add up to 1. */
  share: number;
  align?: Align;
}

export class Pen {
  private section = 0;

  constructor(
    readonly flow: Flow,
    readonly m: ReportMessages,
    readonly f: ReportFormatters,
  ) {}

  heading(title: string): void {
    this.section++;
    const lines = this.flow.lines(`${this.section}. ${title}`, S.heading, this.flow.width);
    // Keep a heading with the start of what follows it.
    this.flow.ensure(lines.length * 15 + 60);
    this.flow.y += 6;
    this.flow.paragraph(lines);
    this.flow.y += 1;
    this.flow.rule('#1f3a5f');
    this.flow.y += 6;
  }

  subheading(text: string): void {
    const lines = this.flow.lines(text, S.subheading, this.flow.width);
    this.flow.ensure(lines.length * 12 + 30);
    this.flow.y += 3;
    this.flow.paragraph(lines);
    this.flow.y += 2;
  }

  text(text: string, s: TextStyle = S.body): void {
    this.flow.paragraph(this.flow.lines(text, s, this.flow.width));
  }

  /** "Label : value" with the label in bold. */
  labelled(label: string, value: string): void {
    const head = `${label}${this.m.colon}`;
    const w = this.flow.widthOf(head, S.bold);
    const lines = this.flow.lines(value, S.body, this.flow.width - w);
    this.flow.ensure(lines[0]?.height ?? 12);
    const [h] = this.flow.lines(head, S.bold, w + 1);
    if (h) this.flow.drawLine(h, this.flow.frame.left, this.flow.y, w + 1);
    this.flow.paragraph(lines, this.flow.frame.left + w, this.flow.width - w);
  }

  /** An explicit "nothing to show" sentence. */
  none(text: string): void {
    this.text(text, S.note);
    this.gap();
  }

  gap(h = 6): void {
    this.flow.y += h;
  }

  table(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): void {
    const widths: Column[] = columns.map((c) => ({ width: this.flow.width * c.share, align: c.align ?? 'left' }));
    const cell = (i: number, t: string, s: TextStyle) => this.flow.lines(t, s, Flow.cellWidth(widths[i] as Column));
    this.flow.table(
      widths,
      columns.map((c, i) => cell(i, c.label, S.header)),
      rows.map((r) => r.map((t, i) => cell(i, t, S.cell))),
    );
    this.gap();
  }
}
