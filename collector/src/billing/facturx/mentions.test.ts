import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvoiceDocument, LegalIdentity } from '../invoice-document.js';
import {
  amount,
  businessProcess,
  documentTypeCode,
  electronicAddress,
  electronicAddressProblem,
  legalNotes,
  natureOfLines,
  percent,
  postalAddress,
  quantity,
  unitCode,
} from './mentions.js';
import { woffToSfnt } from './woff.js';
import { escapeXml, leaf, node, xmlDocument } from './xml.js';

const who = (o: Partial<LegalIdentity>): LegalIdentity => ({ name: 'X', address: ['1 rue A', '69002 Lyon'], ...o });

describe('EN 16931 number formats (BR-FR-DEC-01/02/04)', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [123456, '1234.56'],
    [-148147, '-1481.47'],
  ])('amount %i cents → %s', (c, s) => expect(amount(c)).toBe(s));
  it.each([
    [2000, '20'],
    [550, '5.5'],
    [210, '2.1'],
    [105, '1.05'],
    [0, '0'],
  ])('VAT rate %i bp → %s (BR-FR-16 lists 20, 5.5, 2.1, 1.05, 0)', (bp, s) => expect(percent(bp)).toBe(s));
  it.each([
    [2, '2'],
    [37.5, '37.5'],
    [0.125, '0.125'],
    [1 / 3, '0.3333'],
  ])('quantity %f → %s (4 decimals at most)', (q, s) => expect(quantity(q)).toBe(s));
  it('refuses a fractional cent rather than rounding it silently', () => expect(() => amount(1.5)).toThrow());
});

describe('the reform’s derived mentions', () => {
  it('BT-23: services S1, goods B1, both M1; credit lines alone are services', () => {
    expect(natureOfLines([{ type: 'intervention' }, { type: 'recycling' }])).toBe('services');
    expect(natureOfLines([{ type: 'supply_item' }])).toBe('goods');
    expect(natureOfLines([{ type: 'supply_order' }, { type: 'supply_item' }])).toBe('mixed');
    expect(natureOfLines([{ type: 'credit' }])).toBe('services');
    const doc = { kind: 'credit_note', nature: 'mixed', lines: [{ type: 'credit' }] } as unknown as InvoiceDocument;
    expect(businessProcess(doc)).toBe('M1'); // a credit note keeps its invoice's nature
  });
  it('BT-3: 380, 384 when it replaces a cancelled invoice, 381 for a credit note', () => {
    expect(documentTypeCode({ kind: 'invoice' } as InvoiceDocument)).toBe('380');
    expect(documentTypeCode({ kind: 'invoice', correctsNumber: 'F2026-0001' } as InvoiceDocument)).toBe('384');
    expect(documentTypeCode({ kind: 'credit_note', correctsNumber: 'F2026-0001' } as InvoiceDocument)).toBe('381');
  });
  it('BT-34/49: the directory address given, else the SIREN (scheme 0225), else the e-mail (EM)', () => {
    expect(electronicAddress(who({ siren: '812 345 678', electronicAddress: '812345678_AP' }))).toEqual({ scheme: '0225', id: '812345678_AP' });
    expect(electronicAddress(who({ siren: '812 345 678' }))).toEqual({ scheme: '0225', id: '812345678' });
    expect(electronicAddress(who({ email: 'a@b.fr' }))).toEqual({ scheme: 'EM', id: 'a@b.fr' });
    expect(electronicAddress(who({}))).toBeUndefined();
  });
  it('BR-FR-21/23: an address must start with the SIREN and use the directory’s characters', () => {
    expect(electronicAddressProblem(who({ siren: '812345678', electronicAddress: '812345678_AP' }))).toBeNull();
    expect(electronicAddressProblem(who({ siren: '812345678', electronicAddress: '999999999' }))).toMatch(/commencer par le SIREN 812345678/);
    expect(electronicAddressProblem(who({ electronicAddress: 'a b' }))).toMatch(/invalide/);
  });
  it('addresses: street lines, postcode and city from the last line; country from the VAT number', () => {
    expect(postalAddress(who({ address: ['12 rue des Lilas', 'Bât. B', '69003 Lyon'] }))).toEqual({
      lines: ['12 rue des Lilas', 'Bât. B'],
      postcode: '69003',
      city: 'Lyon',
      country: 'FR',
    });
    expect(postalAddress(who({ address: ['Rue de la Loi 1', '1000 Bruxelles'], vatNumber: 'BE0123456789' }))).toMatchObject({
      postcode: '1000',
      country: 'BE',
    });
    expect(postalAddress(who({ address: ['Lyon'] }))).toEqual({ lines: [], city: 'Lyon', country: 'FR' });
  });
  it('BR-FR-05: PMD, PMT and AAB once each; TXD under the debits option; BAR B2B for a French business', () => {
    const doc = {
      kind: 'invoice',
      lines: [{ type: 'intervention' }],
      buyer: who({ siren: '401234567' }),
      latePenaltyText: 'pénalités',
      recoveryIndemnityText: '40 €',
      discountText: 'pas d’escompte',
      vatOnDebits: true,
    } as unknown as InvoiceDocument;
    expect(legalNotes(doc).map((n) => n.subject)).toEqual(['PMD', 'PMT', 'AAB', 'TXD', 'BAR']);
    // An invoice issued before the indemnity had its own text: its penalty text (which names the 40 €) serves for both.
    expect(legalNotes({ ...doc, recoveryIndemnityText: undefined, vatOnDebits: undefined }).find((n) => n.subject === 'PMT')?.text).toBe('pénalités');
  });
  it('BT-130 unit codes: hour, day, piece, kilogram, lump sum; the half-day and quarter-hour count as "one"', () => {
    expect(['heure', 'journée', 'u.', 'kg', 'forfait', '½ journée', "quart d'heure"].map(unitCode)).toEqual(['HUR', 'DAY', 'H87', 'KGM', 'LS', 'C62', 'C62']);
  });
});

describe('XML writing', () => {
  it('escapes markup, drops characters XML cannot hold, leaves out absent and blank elements', () => {
    expect(escapeXml(`<a href="x">Dupont & Fils'</a>\u0007`)).toBe('&lt;a href=&quot;x&quot;&gt;Dupont &amp; Fils&apos;&lt;/a&gt;');
    expect(xmlDocument(node('r', [leaf('a', 'x & y'), leaf('b', ''), leaf('c', undefined), node('d', [leaf('e', '  ')])]))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<r>\n  <a>x &amp; y</a>\n</r>\n',
    );
  });
});

describe('WOFF → TrueType (the embedded fonts)', () => {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@fontsource/dejavu-sans/LICENSE')), 'files');
  it('unpacks DejaVu Sans into an SFNT whose tables fontkit-free code can walk: same tables, head magic in place', () => {
    const woff = readFileSync(join(dir, 'dejavu-sans-latin-400-normal.woff'));
    const ttf = woffToSfnt(woff);
    const tables = ttf.readUInt16BE(4);
    expect(tables).toBe(woff.readUInt16BE(12));
    const tags = Array.from({ length: tables }, (_, i) => ttf.toString('latin1', 12 + 16 * i, 16 + 16 * i));
    expect(tags).toEqual([...tags].sort());
    const head = 12 + 16 * tags.indexOf('head');
    expect(ttf.readUInt32BE(ttf.readUInt32BE(head + 8) + 12)).toBe(0x5f0f3cf5);
  });
  it('refuses what is not a WOFF 1.0 font', () => {
    expect(() => woffToSfnt(Buffer.from('not a font at all, not even close to one...'))).toThrow(/WOFF/);
  });
});
