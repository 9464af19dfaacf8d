import type { InventorySoftwareItem } from '@vigie/shared';
import { asArray, asRecord, cleanText } from './clean-values.js';
import { runCommand } from './run-command.js';
import { dedupeSoftware, makeSoftwareItem } from './software-item.js';

// "Developer ID Application: Foo Inc (TEAMID1234)" → "Foo Inc".
const DEVELOPER_ID = /^Developer ID Application:\s*(.+?)(?:\s*\([A-Z0-9]{10}\))?$/;

const ARCH_KINDS = new Map([
  ['arch_arm_i64', 'universal'],
  ['arch_arm', 'arm64'],
  ['arch_i64', 'x86_64'],
  ['arch_i32', 'i386'],
  ['arch_ios', 'ios'],
  ['arch_other', 'other'],
]);

function publisherOf(app: Record<string, unknown>): string | undefined {
  if (app.obtained_from === 'apple') return 'Apple';
  const signer = cleanText(asArray(app.signed_by)[0]);
  const match = signer === undefined ? null : DEVELOPER_ID.exec(signer);
  // Mac App Store apps are signed by Apple on the developer's behalf: the signer names no publisher.
  return match?.[1];
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

function isoDateTime(value: unknown): string | undefined {
  const text = cleanText(value);
  if (text === undefined || !ISO_DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Parses `system_profiler SPApplicationsDataType -json`. */
export function parseSystemProfilerApplications(stdout: string): InventorySoftwareItem[] {
  const text = stdout.trim();
  if (text === '') return [];
  const root = asRecord(JSON.parse(text));
  const items: InventorySoftwareItem[] = [];
  for (const value of asArray(root.SPApplicationsDataType)) {
    const app = asRecord(value);
    const archKind = cleanText(app.arch_kind);
    const item = makeSoftwareItem('system_profiler', {
      name: app._name,
      version: app.version,
      publisher: publisherOf(app),
      installedAt: isoDateTime(app.lastModified),
      arch: archKind === undefined ? undefined : (ARCH_KINDS.get(archKind) ?? archKind.replace(/^arch_/, '')),
    });
    if (item) items.push(item);
  }
  return dedupeSoftware(items);
}

export async function collectDarwinSoftware(): Promise<InventorySoftwareItem[]> {
  // Spotlight-backed: tens of seconds on a Mac with many applications.
  const stdout = await runCommand('/usr/sbin/system_profiler', ['SPApplicationsDataType', '-json'], { timeoutMs: 180_000 });
  return parseSystemProfilerApplications(stdout);
}
