/**
 * What makes an invoice PDF a Factur-X file: PDF/A-3b (pdfkit's `subset`, which also writes the
 * pdfaid XMP and the sRGB OutputIntent), fonts embedded, the CII XML attached as `factur-x.xml`
 * (AFRelationship Alternative, text/xml) and declared in the XMP by the Factur-X extension schema.
 *
 * Fonts: DejaVu Sans from the npm package @fontsource/dejavu-sans (WOFF files of the DejaVu fonts,
 * Bitstream Vera licence: free to embed and redistribute). ICC profile: pdfkit's own
 * `js/data/sRGB_IEC61966_2_1.icc` (the International Color Consortium's sRGB2014 v2 profile, which
 * the ICC lets anyone copy, embed and distribute unaltered), shipped in the pdfkit npm package.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { woffToSfnt } from './woff.js';
import { escapeXml } from './xml.js';

export const FACTURX_FILENAME = 'factur-x.xml';
export const FACTURX_LEVEL = 'EN 16931';

export const EMBEDDED_FONTS = {
  DejaVuSans: 'dejavu-sans-latin-400-normal.woff',
  'DejaVuSans-Bold': 'dejavu-sans-latin-700-normal.woff',
  'DejaVuSans-Oblique': 'dejavu-sans-latin-400-italic.woff',
} as const;

export type EmbeddedFontName = keyof typeof EMBEDDED_FONTS;

let fonts: Record<EmbeddedFontName, Buffer> | undefined;

/** The font files, read and unpacked once (resolved from the installed package, also from the bundled collector). */
function fontFiles(): Record<EmbeddedFontName, Buffer> {
  if (!fonts) {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@fontsource/dejavu-sans/LICENSE')), 'files');
    fonts = Object.fromEntries(Object.entries(EMBEDDED_FONTS).map(([name, file]) => [name, woffToSfnt(readFileSync(join(dir, file)))])) as Record<
      EmbeddedFontName,
      Buffer
    >;
  }
  return fonts;
}

/**
 * PDFDocument options for PDF/A-3b with an embedded default font (pdfkit would otherwise load
 * Helvetica). pdfkit takes a font's bytes as well as its path; its typings only say path.
 */
export function pdfaOptions(): { pdfVersion: '1.7'; subset: 'PDF/A-3b'; font: string } {
  return { pdfVersion: '1.7', subset: 'PDF/A-3b', font: fontFiles().DejaVuSans as unknown as string };
}

export function registerEmbeddedFonts(pdf: PDFKit.PDFDocument): void {
  for (const [name, data] of Object.entries(fontFiles())) pdf.registerFont(name, data);
}

const extensionProperty = (name: string, description: string) => `<rdf:li rdf:parseType="Resource">
        <pdfaProperty:name>${name}</pdfaProperty:name>
        <pdfaProperty:valueType>Text</pdfaProperty:valueType>
        <pdfaProperty:category>external</pdfaProperty:category>
        <pdfaProperty:description>${description}</pdfaProperty:description>
      </rdf:li>`;

/**
 * Attaches the XML and declares it: pdfkit writes Title and Subject into the XMP as they are, so
 * the author (a company name, "&" and all) is written here, escaped, rather than through Info.
 */
export function attachFacturX(pdf: PDFKit.PDFDocument, xml: string, o: { date: Date; author: string }): void {
  // pdfkit 0.20 supports `relationship` (AFRelationship); @types/pdfkit does not know it yet.
  const options: PDFKit.Mixins.PDFAttachmentOptions & { relationship: 'Alternative' } = {
    name: FACTURX_FILENAME,
    type: 'text/xml',
    relationship: 'Alternative',
    description: 'Factur-X invoice (EN 16931)',
    creationDate: o.date,
    modifiedDate: o.date,
  };
  pdf.file(Buffer.from(xml, 'utf8'), options);
  pdf.appendXML(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <dc:creator><rdf:Seq><rdf:li>${escapeXml(o.author)}</rdf:li></rdf:Seq></dc:creator>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
        xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
      <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
        <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
        <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
        <pdfaSchema:prefix>fx</pdfaSchema:prefix>
        <pdfaSchema:property><rdf:Seq>
          ${extensionProperty('DocumentFileName', 'name of the embedded XML invoice file')}
          ${extensionProperty('DocumentType', 'INVOICE')}
          ${extensionProperty('Version', 'The actual version of the Factur-X XML schema')}
          ${extensionProperty('ConformanceLevel', 'The conformance level of the embedded Factur-X data')}
        </rdf:Seq></pdfaSchema:property>
      </rdf:li></rdf:Bag></pdfaExtension:schemas>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
      <fx:DocumentType>INVOICE</fx:DocumentType>
      <fx:DocumentFileName>${FACTURX_FILENAME}</fx:DocumentFileName>
      <fx:Version>1.0</fx:Version>
      <fx:ConformanceLevel>${FACTURX_LEVEL}</fx:ConformanceLevel>
    </rdf:Description>`);
}
