// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixtures below quote source code, placeholders included
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One Paris-time and month implementation (issue 15): shared/src/calendar. Before it, UTC ↔ Paris
 * was converted three times (here, collector stats, dashboard i18n) and month bounds computed four
 * times (stats, invoicing, reports, dashboard). This scan fails when a new copy appears.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCANNED = [
  'shared/src',
  'agent/src',
  'collector/src',
  'dashboard/src',
  'bench/src',
  'e2e/test',
  'faults/src',
  'faults/test',
  'testkit/src',
  'installers/src',
];
const CALENDAR = 'shared/src/calendar/';

/**
 * Files that may name the Paris zone: they only display an instant (Intl `format`, never parsed
 * back) or hand the zone to a library. Anything that converts goes through the calendar.
 */
const ZONE_ALLOWED: Record<string, string> = {
  'shared/src/checks/format.ts': 'check texts show dates to the reader (Intl format only)',
  'dashboard/src/i18n/i18n.ts': 'the dashboard’s display formatters (fmt.dateTime, fmt.date…); TIME_ZONE for charts',
  'dashboard/src/components/time-chart.tsx': 'chart axis labels and uPlot’s tzDate, display only',
  'collector/src/flows/report.ts': 'the flow report PDF prints the peak’s date and time',
  'collector/src/reports/report-messages.ts': 'the monthly report prints dates and times',
  'collector/src/notifications/service.ts': 'ticket e-mails print the SLA deadline',
  'collector/src/reports/settings.ts': 'the zone node-cron reads the report schedule in',
  'collector/src/reports/scheduler.ts': 'hands the zone to node-cron; catch-up only when that zone is Paris',
};

interface Rule {
  id: string;
  pattern: RegExp;
  /** Files outside shared/src/calendar where the rule does not apply. */
  allowed?: Record<string, string>;
}

const RULES: Rule[] = [
  // Reading a zone's wall clock field by field is how a conversion starts (toParis does it once).
  { id: 'wall-clock parts', pattern: /\.formatToParts\(|getTimezoneOffset\(|\bTemporal\./ },
  { id: 'Paris zone', pattern: /['`"]Europe\/Paris['`"]|PARIS_TIME_ZONE|\bTIME_ZONE\b|time[zZ]one\s*:\s*(?!'UTC')[^\s,}]/, allowed: ZONE_ALLOWED },
  // Paris is UTC+1 or UTC+2: an hour count times an hour, or a written offset, is a hand-made conversion.
  { id: 'manual offset', pattern: /\b(?:offset|hours?)\w*\s*\*\s*(?:3_?600_?000|36e5|60\s*\*\s*60\s*\*\s*1000)|['`"][^'`"]*T\d\d:\d\d(?::\d\d)?[+-]0[12]:00/i },
  // Month arithmetic: the day-0 trick for a month's last day, a month index, a month key made a date.
  {
    id: 'month arithmetic',
    pattern: /Date\.UTC\([^()]*,\s*0\)\)\.getUTCDate|\*\s*12\s*\+\s*\(?\s*\w+\s*-\s*1|\}-(?:01|12|28|29|30|31)`/,
  },
];

/** The code of a source file without its comments, which may name the zone freely. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[\s;{}(),])\/\/.*$/gm, '$1');
}

function copiesIn(file: string, text: string): string[] {
  if (file.startsWith(CALENDAR)) return [];
  const body = code(text);
  return RULES.filter((r) => !r.allowed?.[file] && r.pattern.test(body)).map((r) => r.id);
}

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'testdata') return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });

describe('one Paris-time and month implementation (shared/src/calendar)', () => {
  // Verbatim from the copies this replaced (main at 54db501): the scan must see each of them.
  it.each([
    {
      from: 'collector/src/stats/service.ts (wallClockAsUtc)',
      snippet: `f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric' });
  for (const part of f.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);`,
      rule: 'wall-clock parts',
    },
    {
      from: 'collector/src/stats/service.ts (REPORT_TIME_ZONE)',
      snippet: `export const REPORT_TIME_ZONE = 'Europe/Paris';`,
      rule: 'Paris zone',
    },
    {
      from: 'dashboard/src/i18n/i18n.ts (parisToday)',
      snippet: `const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });`,
      rule: 'Paris zone',
    },
    {
      from: 'dashboard/src/i18n/i18n.ts (fromParisLocal)',
      snippet: `for (const hours of [2, 1]) {
    const t = naive - hours * 3600_000;
    if (parisLocal(t) === local) return t;
  }`,
      rule: 'manual offset',
    },
    { from: 'a fixed offset written out', snippet: 'const start = Date.parse(`${day}T00:00:00+01:00`);', rule: 'manual offset' },
    {
      from: 'collector/src/billing/invoicing.ts (monthBounds)',
      snippet: 'const start = `${month}-01`;\n  return { start, end: addDays(addMonths(start, 1), -1) };',
      rule: 'month arithmetic',
    },
    {
      from: 'collector/src/billing/contract-terms.ts (addMonths)',
      snippet: 'const index = y * 12 + (m - 1) + months;\n  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();',
      rule: 'month arithmetic',
    },
    {
      from: 'collector/src/flows/report.ts (days in the month)',
      snippet: 'const days = new Date(Date.UTC(year, month, 0)).getUTCDate();',
      rule: 'month arithmetic',
    },
    {
      from: 'collector/src/reports/settings.ts (previousMonth)',
      snippet: "return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;",
      rule: 'month arithmetic',
    },
    {
      from: 'collector/src/reports/statistics.ts (a month’s last day)',
      snippet: '.all(clientId, `${months[0]}-01`, `${months.at(-1)}-31`)',
      rule: 'month arithmetic',
    },
  ])('sees the copy in $from', ({ snippet, rule }) => {
    expect(copiesIn('collector/src/somewhere/new-copy.ts', snippet)).toContain(rule);
  });

  it('lets display-only modules name the zone, not convert with it, and ignores comments and UTC formatting', () => {
    const display = "new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone: PARIS_TIME_ZONE }).format(ms)";
    expect(copiesIn('collector/src/notifications/service.ts', display)).toEqual([]);
    expect(copiesIn('collector/src/tickets/service.ts', display)).toEqual(['Paris zone']);
    expect(copiesIn('collector/src/notifications/service.ts', `${display};\nparts = f.formatToParts(ms);`)).toEqual(['wall-clock parts']);
    expect(
      copiesIn('collector/src/x.ts', "/** Dates in Europe/Paris. */\nconst f = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC' }); // Europe/Paris"),
    ).toEqual([]);
    expect(copiesIn('shared/src/calendar/paris-time.ts', "timeZone: 'Europe/Paris'")).toEqual([]);
  });

  it('finds no copy in shared, agent, collector or dashboard sources', () => {
    const files = SCANNED.flatMap((d) => sources(join(repo, d)));
    // The scan reads the real tree: the calendar and the files it guards are there.
    expect(files.map((f) => relative(repo, f))).toEqual(
      expect.arrayContaining(['shared/src/calendar/paris-time.ts', 'collector/src/billing/invoicing.ts', 'dashboard/src/i18n/i18n.ts']),
    );
    const found = files.flatMap((f) => {
      const file = relative(repo, f).split('\\').join('/');
      return copiesIn(file, readFileSync(f, 'utf8')).map((rule) => `${file}: ${rule}`);
    });
    expect(found).toEqual([]);
    // Each exception still names the zone: an entry left behind after a file changed is removed.
    for (const file of Object.keys(ZONE_ALLOWED)) expect(code(readFileSync(join(repo, file), 'utf8')), file).toMatch(RULES[1]!.pattern);
  });
});
