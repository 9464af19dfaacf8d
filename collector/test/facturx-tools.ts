/**
 * What the Factur-X tests read invoices with, all independent of the code that writes them: the
 * shared EN 16931 / Factur-X / BR-FR validator (../shared/validators/facturx, beside the repository
 * in CI as here), qpdf to take factur-x.xml out of a PDF, xmllint to read XML values, pdftotext for
 * what a person sees, and a real SMTP server on loopback.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VALIDATOR = join(repoRoot, '..', 'shared', 'validators', 'facturx', 'validate.mjs');

export interface Finding {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  location?: string;
}
export interface Verdict {
  exit: number;
  verdict: 'PASS' | 'FAIL' | 'ERROR';
  errors: number;
  warnings: number;
  profile: string;
  brfr: { severity: string; reason: string };
  findings: Finding[];
}

/** `node validate.mjs FILE --json`: exit 0 pass, 1 fail; 2 or 3 (could not run) throw. */
export function validate(file: string): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [VALIDATOR, file, '--json'], { maxBuffer: 50e6, timeout: 120_000 }, (err, stdout, stderr) => {
      const exit = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (exit !== 0 && exit !== 1) return reject(new Error(`validator could not run on ${file} (exit ${exit}): ${stderr || stdout}`));
      try {
        resolve({ exit, ...(JSON.parse(stdout) as Omit<Verdict, 'exit'>) });
      } catch {
        reject(new Error(`validator output is not JSON: ${stdout.slice(0, 500)} ${stderr}`));
      }
    });
  });
}

/** The factur-x.xml embedded in a PDF, as qpdf reads it. */
export function embeddedXml(pdfFile: string): string {
  return execFileSync('qpdf', ['--show-attachment=factur-x.xml', pdfFile], { encoding: 'utf8' });
}

/** One XPath over a document, namespaces ignored (local names). */
export function xpath(file: string, expr: string): string {
  return execFileSync('xmllint', ['--xpath', `string(${expr})`, file], { encoding: 'utf8' }).trim();
}
export const ln = (...names: string[]) => names.map((n) => (n === '..' ? n : `*[local-name()='${n}']`)).join('/');
export function count(file: string, expr: string): number {
  return Number(execFileSync('xmllint', ['--xpath', `count(${expr})`, file], { encoding: 'utf8' }).trim());
}

/**
 * The PDF's text with every kind of space folded into one, in drawing order (`-raw`): a value
 * wrapped over two lines of one column reads back whole, not interleaved with the other column.
 */
export function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/[\s\u00a0\u202f]+/g, ' ');
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; sha256: string }[];
}

/** A real SMTP server on loopback that keeps what it receives, and can refuse recipients (451) on demand. */
export async function startRelay(): Promise<{ url: string; mails: Mail[]; setFailing(f: boolean): void; close(): Promise<void> }> {
  const mails: Mail[] = [];
  let failing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_addr, _session, cb) {
      if (failing) return cb(Object.assign(new Error('relay busy, try again later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then((m) => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: m.subject ?? '',
          text: m.text ?? '',
          attachments: m.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, sha256: sha256(a.content) })),
        });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as { port: number }).port}`,
    mails,
    setFailing: (f) => {
      failing = f;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
