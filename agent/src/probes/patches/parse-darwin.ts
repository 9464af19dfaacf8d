import type { PendingUpdate } from '@vigie/shared';

/**
 * `softwareupdate --list` (stdout and stderr together: "No new software available." goes to stderr).
 * macOS 10.15 and later: `* Label: <label>` then a tab-indented `Title: …, Version: …, Size: …,
 * Recommended: YES, Action: restart,` line. Before: `* <label>` then
 * `<title> (<version>), <size>K [recommended] [restart]`. Security: "Security" in the label or title
 * (Security Responses, Background Security Improvements, Security Updates).
 */
export function parseSoftwareUpdate(text: string): PendingUpdate[] {
  if (/No new software available/i.test(text)) return [];
  const lines = text.split(/\r?\n/);
  const out: PendingUpdate[] = [];
  lines.forEach((line, i) => {
    const m = /^\s*\*\s+(?:Label:\s*)?(.+?)\s*$/.exec(line);
    if (!m?.[1]) return;
    const label = m[1];
    const detail = lines[i + 1] ?? '';
    const modern = /^\s*Title:\s*(.*?),\s*Version:\s*(.*?),/.exec(detail);
    const legacy = /^\s+(.*?)\s*\((.*?)\),\s*\d+K/.exec(detail);
    const title = modern?.[1] ?? legacy?.[1] ?? label;
    const version = (modern?.[2] ?? legacy?.[2] ?? '').trim() || (/-([^-\s]+)$/.exec(label)?.[1] ?? '?');
    out.push({
      name: label,
      installedVersion: null,
      candidateVersion: version,
      security: /security/i.test(label) || /security/i.test(title),
      rebootRequired: /Action:\s*restart/i.test(detail) || /\[restart\]/i.test(detail),
      title,
      id: label,
    });
  });
  if (out.length === 0 && !/Software Update Tool|Finding available software/i.test(text))
    throw new Error(`unexpected softwareupdate answer: ${text.trim().slice(0, 200)}`);
  return out;
}
