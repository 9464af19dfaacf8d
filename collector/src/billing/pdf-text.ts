/**
 * Text preparation for PDFs drawn with the 14 standard fonts (Helvetica): those are WinAnsi
 * encoded, so any other character would print as garbage. Everything drawn goes through
 * `toWinAnsi` first, and wraps with `wrapText`, which never lets a line exceed its width.
 */

/** Code points above Latin-1 that WinAnsi (cp1252) still holds. */
const WIN_ANSI_EXTRA = new Set([
  0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022,
  0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

const NO_BREAK_SPACE = '\u00a0';

/** Readable stand-ins for characters French text and Intl formatting commonly produce. */
const SUBSTITUTES: Record<string, string> = {
  // fr-FR Intl puts U+202F between thousands and U+00A0 before "€": keep them unbreakable.
  '\u202f': NO_BREAK_SPACE,
  '\u2007': NO_BREAK_SPACE,
  '\u2060': '',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2212': '-',
  '\u2043': '-',
  '\u2015': '\u2014',
  '\u2032': "'",
  '\u2033': '"',
  '\u2044': '/',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u2248': '~',
  '\u2192': '->',
  '\u2190': '<-',
  '\u21d2': '=>',
  '\u2116': 'No',
  // Letters with a stroke have no Unicode decomposition.
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  ı: 'i',
};

function isWinAnsi(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff && cp !== 0xad) || WIN_ANSI_EXTRA.has(cp);
}

function mapChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === '\n' || isWinAnsi(cp)) return ch;
  const sub = SUBSTITUTES[ch];
  if (sub !== undefined) return sub;
  if (ch === '\t') return ' ';
  // Invisible: controls, format characters (ZWJ, BOM), stray combining marks, emoji skin tones.
  if (/[\p{Cc}\p{Cf}\p{M}\p{Emoji_Modifier}]/u.test(ch)) return '';
  if (/\p{Zs}/u.test(ch)) return ' ';
  // "ő" → "o", "ﬁ" → "fi", full-width "Ａ" → "A"; anything else (CJK, emoji) → "?".
  const decomposed = [...ch.normalize('NFKD')].filter((c) => !/\p{M}/u.test(c));
  if (decomposed.length > 0 && decomposed.every((c) => isWinAnsi(c.codePointAt(0) ?? 0))) return decomposed.join('');
  return '?';
}

/** The text made drawable in a WinAnsi font; line feeds are kept as hard breaks. */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n?|[\u2028\u2029]/g, '\n').normalize('NFC')) out += mapChar(ch);
  return out;
}

function splitLongWord(word: string, width: number, measure: (s: string) => number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const ch of word) {
    if (piece !== '' && measure(piece + ch) > width) {
      pieces.push(piece);
      piece = ch;
    } else {
      piece += ch;
    }
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/**
 * Greedy word wrap on ordinary spaces (a no-break space holds "1 234,56 €" together); a word wider
 * than the line is cut between characters. Line feeds start a new line; an empty text gives [].
 */
export function wrapText(text: string, width: number, measure: (s: string) => number): string[] {
  if (text.trim() === '') return [];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const words = paragraph.split(' ').filter((w) => w !== '');
    let line = '';
    for (const word of words) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (measure(candidate) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      const pieces = measure(word) <= width ? [word] : splitLongWord(word, width, measure);
      lines.push(...pieces.slice(0, -1));
      line = pieces.at(-1) ?? '';
    }
    lines.push(line);
  }
  return lines;
}
