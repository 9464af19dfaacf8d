/// <reference lib="dom" />
/**
 * Dashboard device list: 10,000 devices (seeded through the collector's own store, as the dashboard's
 * browser tests do), opened in headless Chromium (Debian's, driven by playwright-core): time from
 * navigation to the first rows on screen, then to the list answering a search (the first keystroke
 * to the filtered count), over several fresh page loads; and frame times while scrolling the whole
 * list. Side by side, the same page load with an empty client (1 device) as the baseline.
 *
 * Target (issue 7): the 10,000-device list interactive in under a second.
 *
 *   npm run bench -- dashboard-list [--devices 10000] [--runs 7]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launch, signIn } from '../../../dashboard/test/browser.js';
import { PASSWORD, startSeededCollector } from '../../../dashboard/test/seed.js';
import { median, percentile, printTable, writeResult } from '../report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TARGET_MS = 1000;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { devices: { type: 'string', default: '10000' }, runs: { type: 'string', default: '7' } } });
  const bulk = Number(values.devices);
  const runs = Number(values.runs);
  if (!existsSync(join(root, 'dashboard', 'dist', 'index.html'))) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'pnpm.mjs'), '--filter', '@vigie/dashboard', 'run', 'build'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('dashboard build failed');
  }
  const seeded = await startSeededCollector(bulk);
  const browser = await launch();
  try {
    const { page } = await browser.page();
    await signIn(page, seeded.url, 'tech@vigie.test', PASSWORD);
    const firstRows: number[] = [];
    const searchable: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      // A fresh load of the app on the list: what a technician opening the link waits for.
      await page.goto('about:blank');
      const t0 = Date.now();
      await page.goto(`${seeded.url}/#/devices`);
      await page.locator('.vrow [data-device] a').first().waitFor();
      const rowsAt = Date.now() - t0;
      const search = page.getByTestId('device-search');
      await search.fill(`SN${(1_000_000 + 4242 * 7919).toString(36).toUpperCase()}`);
      await page.waitForFunction(() => /^1\s/.test(document.querySelector('[data-testid=device-count]')?.textContent ?? ''));
      const answeredAt = Date.now() - t0;
      if (i > 0) {
        firstRows.push(rowsAt);
        searchable.push(answeredAt);
      }
      // The same load filtered to one client's single device (Globex): the app's own cost, without the list.
      await page.goto('about:blank');
      const b0 = Date.now();
      await page.goto(`${seeded.url}/#/devices?q=GX-SRV-0001`);
      await page.locator('.vrow [data-device] a').first().waitFor();
      if (i > 0) baseline.push(Date.now() - b0);
    }
    await page.goto(`${seeded.url}/#/devices`);
    await page.locator('.vrow [data-device] a').first().waitFor();
    const scroll = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid=device-list]') as HTMLElement;
      const max = el.scrollHeight - el.clientHeight;
      const frames: number[] = [];
      let maxRows = 0;
      let last = performance.now();
      for (let i = 1; i <= 200; i++) {
        el.scrollTop = (max * i) / 200;
        await new Promise((res) => requestAnimationFrame(() => res(null)));
        const now = performance.now();
        frames.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, document.querySelectorAll('.vrow').length);
      }
      return { frames, maxRows };
    });
    const result = {
      devices: seeded.devicesTotal,
      runs,
      firstRowsMs: { median: median(firstRows), p95: percentile(firstRows, 95), all: firstRows },
      searchAnsweredMs: { median: median(searchable), p95: percentile(searchable, 95), all: searchable },
      oneDeviceLoadMs: { median: median(baseline), all: baseline },
      scrollFrameMs: { p50: percentile(scroll.frames, 50), p95: percentile(scroll.frames, 95), max: Math.max(...scroll.frames) },
      maxRowsInDom: scroll.maxRows,
      targetMs: TARGET_MS,
      pass: median(searchable) < TARGET_MS,
    };
    printTable(`dashboard device list, ${seeded.devicesTotal} devices, headless Chromium (${runs} fresh loads)`, [
      { measure: 'load → first rows (median)', ms: Math.round(result.firstRowsMs.median), p95: Math.round(result.firstRowsMs.p95) },
      { measure: 'load → search answered (median)', ms: Math.round(result.searchAnsweredMs.median), p95: Math.round(result.searchAnsweredMs.p95) },
      { measure: 'baseline: load of a 1-device list', ms: Math.round(result.oneDeviceLoadMs.median), p95: null },
      { measure: 'scroll frame p50 / p95', ms: Math.round(result.scrollFrameMs.p50 * 10) / 10, p95: Math.round(result.scrollFrameMs.p95 * 10) / 10 },
      { measure: `interactive < ${TARGET_MS} ms`, ms: result.pass ? 'yes' : 'NO', p95: null },
    ]);
    console.log(`result: ${writeResult('dashboard-list', result)}`);
  } finally {
    await browser.close();
    await seeded.close();
  }
}
