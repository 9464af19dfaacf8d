/**
 * A small top-to-bottom layout over pdfkit: text is wrapped here (never by pdfkit, whose automatic
 * page breaks would skip our table headers and footers), every line checks the room left, and a
 * table repeats its header on each page and splits a row taller than a page instead of
 * overflowing it.
 */
import type { EmbeddedFontName } from './facturx/pdfa.js';
import { toWinAnsi, wrapText } from './pdf-text.js';

/** The standard Helvetica (reports), or the fonts a PDF/A invoice embeds (registered under these names). */
export type FontName = 'Helvetica' | 'Helvetica-Bold' | 'Helvetica-Oblique' | EmbeddedFontName;

export interface TextStyle {
  font: FontName;
  size: number;
  color: string;
}

export interface Line {
  text: string;
  style: TextStyle;
  height: number;
}

export type Align = 'left' | 'right';

export interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Column {
  width: number;
  align: Align;
}

const LINE_SPACING = 1.25;
const CELL_PAD_X = 3;
const CELL_PAD_Y = 3;
const RULE_COLOR = '#c8c8c8';
const HEADER_FILL = '#ececec';

const sumHeights = (lines: readonly Line[]): number => lines.reduce((h, l) => h + l.height, 0);

export class Flow {
  y: number;
  /** Called after each page break, e.g. to repeat a table header. */
  onNewPage: (() => void) | null = null;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly frame: Frame,
  ) {
    this.y = frame.top;
  }

  get width(): number {
    return this.frame.right - this.frame.left;
  }

  get pageBodyHeight(): number {
    return this.frame.bottom - this.frame.top;
  }

  room(): number {
    return this.frame.bottom - this.y;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = this.frame.top;
    this.onNewPage?.();
  }

  /** Breaks the page unless `height` fits (or the page is still empty: nothing to gain). */
  ensure(height: number): void {
    if (height > this.room() && this.y > this.frame.top) this.newPage();
  }

  widthOf(text: string, style: TextStyle): number {
    return this.doc.font(style.font).fontSize(style.size).widthOfString(text);
  }

  /** `text` made WinAnsi-safe and wrapped to `width`. */
  lines(text: string, style: TextStyle, width: number): Line[] {
    const height = style.size * LINE_SPACING;
    return wrapText(toWinAnsi(text), width, (s) => this.widthOf(s, style)).map((t) => ({ text: t, style, height }));
  }

  drawLine(line: Line, x: number, y: number, width: number, align: Align = 'left'): void {
    if (line.text === '') return;
    const dx = align === 'right' ? Math.max(0, width - this.widthOf(line.text, line.style)) : 0;
    this.doc
      .font(line.style.font)
      .fontSize(line.style.size)
      .fillColor(line.style.color)
      .text(line.text, x + dx, y, { lineBreak: false });
  }

  /** Lines one under the other, breaking the page between lines when needed. */
  paragraph(lines: readonly Line[], x = this.frame.left, width = this.width, align: Align = 'left'): void {
    for (const line of lines) {
      this.ensure(line.height);
      this.drawLine(line, x, this.y, width, align);
      this.y += line.height;
    }
  }

  /** Blocks side by side when they fit on one page, else one after the other. */
  columns(blocks: readonly { x: number; width: number; lines: readonly Line[]; align?: Align }[]): void {
    const height = Math.max(0, ...blocks.map((b) => sumHeights(b.lines)));
    if (height > this.pageBodyHeight) {
      for (const b of blocks) this.paragraph(b.lines, b.x, b.width, b.align);
      return;
    }
    this.ensure(height);
    for (const b of blocks) {
      let y = this.y;
      for (const line of b.lines) {
        this.drawLine(line, b.x, y, b.width, b.align);
        y += line.height;
      }
    }
    this.y += height;
  }

  rule(color = RULE_COLOR, x1 = this.frame.left, x2 = this.frame.right): void {
    this.doc.moveTo(x1, this.y).lineTo(x2, this.y).lineWidth(0.5).strokeColor(color).stroke();
  }

  /** Width a cell's text may take inside a column. */
  static cellWidth(column: Column): number {
    return column.width - 2 * CELL_PAD_X;
  }

  /** A table whose header is drawn again at the top of each page it runs onto. */
  table(columns: readonly Column[], header: readonly Line[][], rows: readonly (readonly Line[][])[]): void {
    const drawHeader = () => this.tableRow(columns, header, HEADER_FILL);
    const headerHeight = rowHeight(header);
    this.ensure(headerHeight + (rows[0] ? rowHeight(rows[0]) : 0));
    drawHeader();
    this.onNewPage = drawHeader;
    for (const row of rows) {
      // Keep a row whole on the next page when it fits there; a taller one is split line by line.
      if (rowHeight(row) > this.room() && rowHeight(row) <= this.pageBodyHeight - headerHeight) this.newPage();
      this.tableRow(columns, row);
    }
    this.onNewPage = null;
  }

  private tableRow(columns: readonly Column[], cells: readonly Line[][], fill?: string): void {
    let pending = cells.map((c) => [...c]);
    while (pending.some((c) => c.length > 0)) {
      const avail = this.room() - 2 * CELL_PAD_Y;
      const firstLines = pending.map((c) => c[0]?.height ?? 0);
      if (avail < Math.max(...firstLines) && this.y > this.frame.top) {
        this.newPage();
        continue;
      }
      const taken = pending.map((c) => takeLines(c, avail));
      const height = Math.max(...taken.map(sumHeights)) + 2 * CELL_PAD_Y;
      if (fill) this.doc.rect(this.frame.left, this.y, this.width, height).fill(fill);
      let x = this.frame.left;
      columns.forEach((col, i) => {
        let y = this.y + CELL_PAD_Y;
        for (const line of taken[i] ?? []) {
          this.drawLine(line, x + CELL_PAD_X, y, Flow.cellWidth(col), col.align);
          y += line.height;
        }
        x += col.width;
      });
      this.y += height;
      this.rule();
      pending = pending.map((c, i) => c.slice(taken[i]?.length ?? 0));
      if (pending.some((c) => c.length > 0)) this.newPage();
    }
  }
}

function rowHeight(cells: readonly Line[][]): number {
  return Math.max(0, ...cells.map(sumHeights)) + 2 * CELL_PAD_Y;
}

/** The leading lines of a cell that fit in `avail` points (at least one, so a row always advances). */
function takeLines(lines: readonly Line[], avail: number): Line[] {
  const out: Line[] = [];
  let h = 0;
  for (const line of lines) {
    if (out.length > 0 && h + line.height > avail) break;
    out.push(line);
    h += line.height;
  }
  return out;
}
