import type { TSchema } from '@sinclair/typebox';
import { ERROR_REASONS, ErrorCodes } from '@vigie/shared';
import * as api from '@vigie/shared/api';
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { fr } from './fr.js';

const frText = fr as Record<string, string>;

/** French typography (issue 18): what a careful French reader would correct, with the value it is in. */
export function typographyMistakes(value: string): string[] {
  const out: string[] = [];
  const text = value.replace(/https?:\/\/\S+/g, '');
  // A plain space before : ; ? ! % » (a no-break space U+00A0 or a narrow one U+202F belongs there).
  for (const m of text.matchAll(/ ([:;?!%»])/g)) out.push(`plain space before « ${m[1]} »`);
  // No space at all before : ; ? ! used as punctuation (followed by a space or the end): "Erreur: x".
  for (const m of text.matchAll(/[^\s\u00a0\u202f{]([:;?!])(?=\s|$)/g)) out.push(`no space before « ${m[1]} »`);
  if (/« (?!\u00a0)|«[^\s\u00a0\u202f]/.test(text)) out.push('« without a no-break space after it');
  if (/[^\u00a0\u202f]»/.test(text)) out.push('» without a no-break space before it');
  if (text.includes("'")) out.push('straight apostrophe (’ expected)');
  if (text.includes('"')) out.push('straight quotes (« » expected)');
  if (text.includes('...')) out.push('three dots (… expected)');
  return out;
}

describe('the French catalogue’s typography', () => {
  it('finds the mistakes it is meant to find', () => {
    expect(typographyMistakes('Erreur : x')).toEqual(['plain space before « : »']);
    expect(typographyMistakes('Erreur: x')).toEqual(['no space before « : »']);
    expect(typographyMistakes('Vraiment ?')).toEqual(['plain space before « ? »']);
    expect(typographyMistakes('97 %')).toEqual(['plain space before « % »']);
    expect(typographyMistakes("l'agent")).toEqual(['straight apostrophe (’ expected)']);
    expect(typographyMistakes('le "site"')).toEqual(['straight quotes (« » expected)']);
    expect(typographyMistakes('« site »')).toHaveLength(3);
    expect(typographyMistakes('Erreur\u00a0: « site » à 09:00, npm run build:installers, http://x.fr/a?b')).toEqual([
      'plain space before « » »',
      '« without a no-break space after it',
      '» without a no-break space before it',
    ]);
    expect(typographyMistakes('Erreur\u00a0: «\u00a0site\u00a0» à 09:00 ; 97\u00a0%')).toEqual(['plain space before « ; »']);
    expect(typographyMistakes('Erreur\u00a0: «\u00a0site\u00a0» à 09:00\u00a0; 97\u00a0% l’agent…')).toEqual([]);
  });

  it('has none in any French text', () => {
    const mistakes = Object.entries(frText).flatMap(([k, v]) => typographyMistakes(v).map((m) => `${k}: ${m} — ${JSON.stringify(v)}`));
    expect(mistakes).toEqual([]);
  });
});

describe('every error has its sentence', () => {
  it('for each code of the catalogue (shared/src/errors.ts)', () => {
    const missing = Object.values(ErrorCodes).filter((c) => !(`error.code.${c.code}` in frText));
    expect(missing.map((c) => c.code)).toEqual([]);
  });

  it('for each reason the collector gives (shared/src/error-reasons.ts)', () => {
    expect(ERROR_REASONS.filter((r) => !(`error.reason.${r}` in frText))).toEqual([]);
  });

  it('for each field of every request body, and each format a field must have', () => {
    // Request bodies: the schemas named …Body, and the few named after what they create.
    const bodies = Object.entries(api).filter(
      ([name, s]) =>
        (name.endsWith('Body') || ['CreateTicket', 'TicketEventInput', 'PolicyOverrides', 'ClientSettings'].includes(name)) && typeof s === 'object',
    );
    expect(bodies.length).toBeGreaterThan(30);
    const fields = new Set<string>();
    const patterns = new Set<string>();
    const walk = (s: TSchema | undefined) => {
      if (!s || typeof s !== 'object') return;
      for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, TSchema>)) {
        fields.add(k);
        if (typeof v.pattern === 'string') patterns.add(k);
        walk(v);
      }
      for (const key of ['items', 'anyOf', 'allOf', 'oneOf', 'additionalProperties', 'patternProperties']) {
        const x = (s as Record<string, unknown>)[key];
        for (const y of Array.isArray(x) ? x : typeof x === 'object' && x ? [x] : []) walk(y as TSchema);
      }
    };
    for (const [, s] of bodies) walk(s as TSchema);
    const labelled = (f: string) => [`field.${f}`, `probe.field.${f}`, `probe.policy.${f}`].some((k) => k in frText);
    expect([...fields].filter((f) => !labelled(f))).toEqual([]);
    const DATES = new Set([api.LocalDateText.pattern, api.MonthText.pattern, api.TimeText.pattern]);
    const formatted = (f: string) => `format.${f}` in frText;
    const patternOf = (f: string) => {
      let found: string | undefined;
      const look = (s: TSchema | undefined) => {
        if (!s || typeof s !== 'object' || found) return;
        const v = (s.properties as Record<string, TSchema> | undefined)?.[f];
        if (typeof v?.pattern === 'string') found = v.pattern;
        for (const x of Object.values((s.properties ?? {}) as Record<string, TSchema>)) look(x);
        for (const key of ['items', 'anyOf']) {
          const x = (s as Record<string, unknown>)[key];
          for (const y of Array.isArray(x) ? x : x ? [x] : []) look(y as TSchema);
        }
      };
      for (const [, s] of bodies) look(s as TSchema);
      return found;
    };
    expect([...patterns].filter((f) => !DATES.has(patternOf(f) ?? '') && !formatted(f))).toEqual([]);
  });

  it('says the same things in English', () => {
    for (const k of Object.keys(frText).filter((k) => k.startsWith('error.') || k.startsWith('field.') || k.startsWith('format.')))
      expect((en as Record<string, string>)[k], k).toBeTruthy();
  });
});
