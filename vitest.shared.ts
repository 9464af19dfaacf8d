import { join } from 'node:path';

/**
 * When `npm test` runs every package, each one also writes a JSON report so the root script can
 * print one closing line with the totals (`N passed, N failed`).
 */
export function reporting(pkg: string): { reporters: string[]; outputFile?: Record<string, string> } {
  const dir = process.env.VIGIE_TEST_REPORT_DIR;
  if (!dir) return { reporters: ['default'] };
  return { reporters: ['default', 'json'], outputFile: { json: join(dir, `${pkg}.json`) } };
}
