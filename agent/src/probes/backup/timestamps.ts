/**
 * Tools print timestamps with more than millisecond precision (restic: nanoseconds, borg:
 * microseconds) and borg 1.x without an offset (local time of the machine, which is the agent's).
 * Returns UTC ms, or undefined when the text is not a timestamp.
 */
export function parseToolTime(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const t = Date.parse(`${m[1]!.replace(' ', 'T')}.${ms}${m[3] ?? ''}`);
  return Number.isNaN(t) ? undefined : t;
}

/** The first non-empty line of a tool's error output, trimmed to a readable length. */
export const firstLine = (text: string) =>
  (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  ).slice(0, 300);
