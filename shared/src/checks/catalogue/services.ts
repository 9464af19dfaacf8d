import type { CheckFormat } from '../format.js';
import type { CheckFacts, CheckTexts } from '../messages.js';
import { when } from '../phrase.js';

// agent/src/probes/services: target the service's name as the policy gives it; values method
// (`systemd`, `process-table` when systemd is unavailable, `windows-scm`, `launchd`). The
// `top-processes` result carries cpu1_name with cpu1_pct (Linux, macOS) or cpu1_seconds (Windows),
// and mem1_name, mem1_rss (bytes).

const withoutSystemd = (c: CheckFacts) => c.str('method') === 'process-table';

/** `WindowServer (12,3 %)` / `sqlservr (4 512 s)`, or `aucun`. */
function topCpu(c: CheckFacts, f: CheckFormat): string {
  const use = when(
    c.num('cpu1_pct'),
    (p) => f.pct(p),
    when(c.num('cpu1_seconds'), (s) => `${f.num(s, 0)} s`),
  );
  return when(c.str('cpu1_name'), (n) => `${n}${use ? ` (${use})` : ''}`, f.locale === 'fr' ? 'aucun' : 'none');
}
function topMemory(c: CheckFacts, f: CheckFormat): string {
  return when(c.str('mem1_name'), (n) => `${n}${when(c.num('mem1_rss'), (b) => ` (${f.bytes(b)})`)}`, f.locale === 'fr' ? 'aucun' : 'none');
}

export const SERVICES_TEXTS: CheckTexts = {
  SERVICE_RUNNING: {
    fr: (c) => `Le service ${c.target} fonctionne`,
    en: (c) => `Service ${c.target} is running`,
  },
  SERVICE_STOPPED: {
    fr: (c) => `Le service ${c.target} est arrêté${withoutSystemd(c) ? ' (aucun processus de ce nom ; systemd indisponible)' : ''}`,
    en: (c) => `Service ${c.target} is stopped${withoutSystemd(c) ? ' (no process of that name; systemd unavailable)' : ''}`,
  },
  SERVICE_UNKNOWN: {
    fr: (c) => `Le service ${c.target} n’est pas installé`,
    en: (c) => `Service ${c.target} is not installed`,
  },
  TOP_PROCESSES: {
    fr: (c, f) => `Processus le plus gourmand en processeur : ${topCpu(c, f)} ; en mémoire : ${topMemory(c, f)}`,
    en: (c, f) => `Busiest process for CPU: ${topCpu(c, f)}; for memory: ${topMemory(c, f)}`,
  },
};
