import { describe, expect, it } from 'vitest';
import { toWinAnsi, wrapText } from './pdf-text.js';

describe('toWinAnsi: what Helvetica (WinAnsi) can draw', () => {
  it.each([
    ['fr-FR money: U+202F and U+00A0 become no-break spaces', '1\u202f234,56\u00a0€', '1\u00a0234,56\u00a0€'],
    ['French text and WinAnsi extras are kept', 'Œuvre « été » – œil … ½ × 3 € ‘a’ “b” ™', 'Œuvre « été » – œil … ½ × 3 € ‘a’ “b” ™'],
    ['decomposed accents are recomposed', 'e\u0301te\u0301', 'été'],
    ['mathematical signs get ASCII equivalents', '≥ 2 h, ≤ 5, ≠ 0, − 3', '>= 2 h, <= 5, != 0, - 3'],
    ['letters outside WinAnsi lose their accent or stroke', 'Erdős Łódź', 'Erdos Lódz'],
    ['compatibility forms are unfolded', 'ﬁn Ｆｕｌｌ №5', 'fin Full No5'],
    ['emoji and CJK become "?"', 'Client 🦄 北京', 'Client ? ??'],
    ['joiners, variation selectors and skin tones vanish', '👩\u200d👩\u200d👧 ❤\ufe0f 👍🏽', '??? ? ?'],
    ['control characters vanish, tabs become spaces', 'a\u0000b\u0007c\td', 'abc d'],
    ['line ends are kept as hard breaks', 'a\r\nb\rc\u2028d', 'a\nb\nc\nd'],
    ['soft hyphen and zero-width space vanish', 'fac\u00adture\u200b', 'facture'],
  ])('%s', (_case, input, expected) => {
    expect(toWinAnsi(input)).toBe(expected);
  });
});

describe('wrapText: lines never wider than the column', () => {
  // One unit per character: widths are easy to reason about.
  const measure = (s: string) => [...s].length;

  it.each([
    ['an empty text gives no line', '', 10, []],
    ['a short text stays on one line', 'Disque SSD', 10, ['Disque SSD']],
    ['words move to the next line at spaces', 'Poste compta bloqué', 12, ['Poste compta', 'bloqué']],
    ['a no-break space holds an amount together', 'Total 1\u00a0234,56\u00a0€', 12, ['Total', '1\u00a0234,56\u00a0€']],
    ['a word wider than the column is cut between characters', 'WWWWWWWWWWWW fin', 5, ['WWWWW', 'WWWWW', 'WW', 'fin']],
    ['line feeds start new lines, blank lines are kept', 'a\n\nb', 5, ['a', '', 'b']],
    ['runs of spaces collapse', '  a    b  ', 5, ['a b']],
  ])('%s', (_case, text, width, expected) => {
    expect(wrapText(text, width, measure)).toEqual(expected);
  });

  it('loses no character of a 500-character hostile text', () => {
    const text = `${'x'.repeat(300)} ${'mot '.repeat(50)}`;
    const lines = wrapText(text, 17, measure);
    expect(lines.every((l) => measure(l) <= 17)).toBe(true);
    expect(lines.join(' ').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
  });
});
