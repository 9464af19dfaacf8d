import { sqliteHandleOf } from '@vigie/collector';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { type NetworkSeed, seedNetwork } from './network-seed.js';
import { PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// Issue 8, point 3: a site's network page in Debian's Chromium, against a real collector fed by a
// site agent over the real agent channel (SNMP devices, their metrics and checks, and flows).
let s: Seeded;
let tb: TestBrowser;
let net: NetworkSeed;
let tech: Page;

const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';
const fr = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
/** As the dashboard shows volumes (binary units, French). */
const norm = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');
const mio = (bytes: number) => norm(`${fr.format(bytes / 1024 ** 2)} Mio`);

beforeAll(async () => {
  const t0 = Date.now();
  s = await startSeededCollector(0);
  net = await seedNetwork(s);
  tb = await launch();
  tech = (await tb.page()).page;
  await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
  console.log(`[network] collector seeded by a site agent and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
});

describe('network page of a site', () => {
  it('lists the client’s sites and opens one', async () => {
    await tech.goto(`${s.url}/#/network?clientId=${s.acme.clientId}`);
    await expect.poll(() => text(tech, 'h1')).toBe('Réseau des sites');
    await tech.getByTestId('network-client').selectOption(String(s.acme.clientId));
    await tech.getByTestId('network-sites').getByRole('link', { name: 'Siège Lyon' }).click();
    await expect.poll(() => text(tech, '[data-testid=network-title]')).toBe('Réseau — Siège Lyon');
  });

  it('sends an agentless device’s page to its site’s network page instead of empty CPU and memory charts', async () => {
    const printer = sqliteHandleOf(s.collector.db).prepare("SELECT id FROM devices WHERE kind = 'agentless' AND hostname = 'IMP-COMPTA'").get() as
      | { id: number }
      | undefined;
    expect(printer).toBeDefined();
    await tech.goto(`${s.url}/#/devices/${printer!.id}`);
    // Issue 18, point 4: its state is its watcher's polls' — it answers, and its toner is critical, never "Hors ligne".
    await expect.poll(() => text(tech, '[data-testid=device-state]')).toBe('Critique');
    expect(norm(await tech.locator('main').textContent())).toMatch(/Dernière réponse à la supervision : \d{2}\/\d{2}\/\d{4}/);
    const link = tech.getByTestId('agentless-network').getByRole('link', { name: 'voir la page réseau du site' });
    await expect.poll(() => link.textContent()).toBe('voir la page réseau du site');
    expect(await tech.locator('figure[data-chart]').count()).toBe(0);
    // Where it is and whom to call, as the printer's administrator set them (sysLocation, sysContact).
    expect(await tech.getByTestId('watched-location').textContent()).toBe('Emplacement\u00a0: Bureau comptabilité, 1er étage');
    expect(await tech.getByTestId('watched-contact').textContent()).toBe('Contact\u00a0: Jeanne Martin <compta@acme.test>');
    await link.click();
    await expect.poll(() => text(tech, '[data-testid=network-title]')).toBe('Réseau — Siège Lyon');
  });

  it('shows the watched router’s interfaces with their rates and bandwidth chart', async () => {
    const router = tech.locator('[data-watched="RTR-SIEGE"]');
    await expect.poll(() => router.getAttribute('data-kind')).toBe('network');
    // Only the agentless devices: not the agent's own machine nor PC-COMPTA-01.
    await expect.poll(() => tech.locator('[data-watched]').count()).toBe(3);
    const wan = router.locator('tr[data-if="Gi0/0"]');
    await expect.poll(async () => norm(await wan.textContent())).toBe('Gi0/0OK45,2 Mbit/s8,1 Mbit/s100 Mbit/s45,2 %');
    expect(norm(await router.locator('tr[data-if="Gi0/1"]').textContent())).toContain('38 Mbit/s');
    // The day view (5-minute rollups): both interfaces, in and out, over two hours.
    const chart = router.locator('figure[data-chart=bandwidth]');
    await chart.locator('canvas').waitFor();
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(24);
    expect(await chart.locator('.u-legend').textContent()).toContain('Gi0/0 entrant');
    expect(await chart.locator('.u-legend .u-series').count()).toBe(5); // time + 2 interfaces × in/out
    await router.getByTestId('interface-select').selectOption('Gi0/1');
    await expect.poll(() => chart.locator('.u-legend .u-series').count()).toBe(3);
    // The hour view reads the raw samples, one a minute.
    await tech.getByRole('tab', { name: 'Heure', exact: true }).click();
    await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(59);
  });

  it('shows the printer’s toner levels and the UPS on battery, with their check states', async () => {
    const printer = tech.locator('[data-watched="IMP-COMPTA"]');
    const black = printer.locator('[data-supply="Black Toner"]');
    await expect.poll(() => black.getAttribute('data-level')).toBe('5');
    expect(await black.locator('meter').evaluate((m: HTMLMeterElement) => m.value)).toBe(5);
    expect(norm(await black.textContent())).toContain('5 %Critique');
    // In the reader's language, from the check's code and values (the agent's own message is English here).
    expect((await black.textContent())?.replace(/\s+/g, ' ')).toContain('Black Toner : presque vide');
    expect(norm(await printer.locator('[data-supply="Cyan Toner"]').textContent())).toContain('62 %OK');
    expect(norm(await printer.textContent())).toContain('120 345 pages imprimées');
    expect(await printer.textContent()).toContain('PHBQL12345');
    expect(await printer.getByTestId('watched-location').textContent()).toBe('Emplacement\u00a0: Bureau comptabilité, 1er étage');

    const ups = tech.locator('[data-watched="ONDULEUR-BAIE"]');
    await expect.poll(() => ups.getByTestId('ups-source').textContent()).toContain('Sur batterie');
    expect(norm(await ups.getByTestId('ups-charge').textContent())).toBe('84 %');
    expect(await ups.getByTestId('ups-runtime').textContent()).toBe('37 min');
    const checks = norm(await ups.getByTestId('watched-checks').textContent());
    expect(checks).toContain('Onduleur'); // the check's label (shared/src/checks/labels.ts), not its identifier
    expect(checks).toContain('Critique');
    expect(checks?.replace(/\s+/g, ' ')).toContain('sur batterie depuis 4 min');
    await tech.evaluate(() => window.scrollTo(0, 0));
    await screenshot(tech, 'network-devices');
  });

  it('shows the site’s flows over the chosen period: volume, peak, top talkers, applications, interfaces', async () => {
    await tech.getByRole('tab', { name: 'Jour', exact: true }).click();
    await expect.poll(async () => norm(await tech.getByTestId('flow-total').textContent())).toBe(mio(net.recentBytes));
    expect(norm(await tech.getByTestId('flow-peak').textContent())).toBe(`${fr.format(net.peakBps / 1e6)} Mbit/s`);
    const volume = tech.locator('figure[data-chart=flow-volume]');
    await volume.locator('canvas').waitFor();
    expect(Number(await volume.getAttribute('data-points'))).toBe(120);
    const sources = tech.getByTestId('top-sources').locator('tbody tr');
    await expect.poll(() => sources.count()).toBe(2);
    expect(norm(await sources.first().textContent())).toContain(`192.168.10.11${mio(net.recentBytes - 120 * 500_000)}`);
    const apps = norm(await tech.getByTestId('applications').textContent());
    expect(apps.indexOf('https')).toBeGreaterThan(-1);
    expect(apps.indexOf('https')).toBeLessThan(apps.indexOf('dns'));
    expect(norm(await tech.getByTestId('protocols').textContent())).toContain('udp');
    // The router's interface #1 is named from its SNMP metrics (Gi0/0, 100 Mbit/s), with its saturation.
    expect(norm(await tech.getByTestId('flow-interfaces').textContent())).toContain(`Gi0/0`);
    expect(norm(await tech.getByTestId('flow-interfaces').textContent())).toContain(`${fr.format(Math.round((net.peakBps / 1e8) * 1000) / 10)} %`);
    await tech.getByTestId('flow-totals').scrollIntoViewIfNeeded();
    await screenshot(tech, 'network-flows');

    // Seven days: the hourly rollups, with the older traffic.
    await tech.getByRole('tab', { name: '7 jours' }).click();
    await expect.poll(async () => norm(await tech.getByTestId('flow-total').textContent())).toBe(mio(net.recentBytes + net.olderBytes));
    expect(Number(await volume.getAttribute('data-points'))).toBeGreaterThanOrEqual(net.hourlyBuckets + 2);
    await expect.poll(async () => tech.getByTestId('top-sources').textContent()).toContain('192.168.10.12');
    expect(await tech.getByTestId('applications').textContent()).toContain('smb');
  });

  it('charts the network with dates beyond a day, a unit on every axis, a range picker and drag-to-zoom (issue 18, point 9)', async () => {
    const bandwidth = tech.locator('[data-watched="RTR-SIEGE"] figure[data-chart=bandwidth]');
    const volume = tech.locator('figure[data-chart=flow-volume]');
    const period = tech.getByTestId('period');
    // Seven days (left chosen by the test above): dates on the time axis.
    await expect.poll(() => period.getAttribute('data-key')).toBe('week');
    await expect.poll(async () => (await volume.getAttribute('data-x-ticks')) ?? '').toMatch(/\d{2}\/\d{2}/);
    for (const [chart, axis, unit] of [
      [bandwidth, 'Débit (bits par seconde)', /bit\/s/],
      [volume, 'Volume (octets)', /o\b/],
    ] as const) {
      expect(await chart.getAttribute('data-x-axis')).toBe('Date et heure (Paris)');
      expect(await chart.getAttribute('data-y-axis')).toBe(axis);
      // Every value tick with its unit.
      await expect.poll(async () => (await chart.getAttribute('data-y-ticks')) ?? '').toMatch(/\d/);
      const ticks = ((await chart.getAttribute('data-y-ticks')) ?? '').split(' | ').filter((x) => x.trim());
      for (const tick of ticks) expect(tick, `${axis}: ${ticks.join(' | ')}`).toMatch(unit);
    }
    // A range picked by its dates: the last seven whole days, the older traffic included.
    await period.getByRole('button', { name: 'Afficher' }).click();
    await expect.poll(() => period.getAttribute('data-key')).toBe('custom');
    await expect.poll(async () => norm(await tech.getByTestId('flow-total').textContent())).toBe(mio(net.recentBytes + net.olderBytes));
    // The last hour (one point a minute), then a drag across the flow chart: a shorter stretch, fewer points, and back.
    await tech.getByRole('tab', { name: 'Heure', exact: true }).click();
    await expect.poll(async () => Number(await volume.getAttribute('data-points'))).toBeGreaterThanOrEqual(55);
    expect(await volume.getAttribute('data-x-ticks')).toMatch(/\d{2}:\d{2}/);
    const before = Number(await period.getAttribute('data-to')) - Number(await period.getAttribute('data-from'));
    const pointsBefore = Number(await volume.getAttribute('data-points'));
    // The flow chart is below the router's: brought into view, where the mouse can reach it.
    await volume.scrollIntoViewIfNeeded();
    const box = (await volume.locator('.u-over').boundingBox())!;
    await tech.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await tech.mouse.down();
    await tech.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await tech.mouse.up();
    await expect.poll(() => period.getAttribute('data-key')).toBe('zoom');
    const zoomed = Number(await period.getAttribute('data-to')) - Number(await period.getAttribute('data-from'));
    expect(zoomed).toBeLessThan(before / 2);
    expect(await tech.getByTestId('zoomed').textContent()).toMatch(/^Zoom du \d{2}\/\d{2}\/\d{4}/);
    await expect.poll(async () => Number(await volume.getAttribute('data-points'))).toBeLessThan(pointsBefore / 2);
    expect(Number(await volume.getAttribute('data-points'))).toBeGreaterThan(0);
    // The router's chart follows the same stretch.
    await expect.poll(async () => Number(await bandwidth.getAttribute('data-points'))).toBeLessThan(pointsBefore);
    await screenshot(tech, 'network-zoom');
    await tech.getByTestId('zoom-out').click();
    await expect.poll(() => period.getAttribute('data-key')).toBe('hour');
  });

  it('links to the client’s monthly flow report as a PDF', async () => {
    const href = await tech.getByTestId('flow-report').getAttribute('href');
    const month = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(Date.now());
    expect(href).toBe(`/api/v1/clients/${s.acme.clientId}/flow-report?month=${month}&lang=fr`);
    const pdf = await tech.request.get(`${s.url}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
  });

  it('shows a client its own sites’ network, and nothing of another client', async () => {
    const { page: client, context } = await tb.page();
    await signIn(client, s.url, 'dsi@acme.test', PASSWORD);
    await client.goto(`${s.url}/#/network`);
    await client.getByTestId('network-sites').getByRole('link', { name: 'Siège Lyon' }).click();
    await expect.poll(() => client.locator('[data-supply="Black Toner"]').getAttribute('data-level')).toBe('5');
    await expect.poll(async () => norm(await client.getByTestId('flow-total').textContent())).toBe(mio(net.recentBytes));
    await context.close();

    const { page: other, context: otherContext } = await tb.page();
    await signIn(other, s.url, 'it@globex.test', PASSWORD);
    await other.goto(`${s.url}/#/network/${s.acme.clientId}/${s.acme.siteId}`);
    await other.getByTestId('not-found').waitFor();
    expect(await other.locator('main').textContent()).not.toContain('RTR-SIEGE');
    await otherContext.close();
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // Answers the browser logs as failed resources: the sign-in page asking for a session before
    // anyone signed in (401), and Globex opening Acme's site (404), on purpose.
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (401|404)/.test(p));
    expect(real).toEqual([]);
  });
});
