import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type PolicyBody, VigieError } from '@vigie/shared';
import { replaceFile } from './remote/durable-file.js';
import { parseCollectorUrls } from './transport/collector-urls.js';

export interface Credential {
  /** The primary collector (the first of `urls`); the only one in credentials written before fail-over existed. */
  url: string;
  /** Every collector the agent may talk to, primary first; they share one store. */
  urls?: string[];
  /**
   * Plain (http/ws) collectors on other machines were allowed with `--allow-plain` (a closed lab).
   * Kept in the credential: the agent re-checks its list at each start and must accept what its
   * operator explicitly allowed; without it, such a list (edited by hand) is refused.
   */
  allowPlain?: boolean;
  agentId: string;
  secret: string;
  deviceId: number;
  enrolledAt: string;
}

/** What the agent remembers between runs besides its spool. */
export interface AgentState {
  lastInventoryHash?: string;
  /** The last policy received, applied at start-up before the collector is reached. */
  policy?: PolicyBody;
}

const DEFAULT_STATE_DIRS: Partial<Record<NodeJS.Platform, () => string>> = {
  linux: () => (process.getuid?.() === 0 ? '/var/lib/vigie-agent' : join(homedir(), '.local', 'state', 'vigie-agent')),
  win32: () => join(process.env.ProgramData ?? 'C:\\ProgramData', 'Vigie', 'agent'),
  darwin: () => (process.getuid?.() === 0 ? '/Library/Application Support/Vigie/agent' : join(homedir(), 'Library', 'Application Support', 'Vigie', 'agent')),
};

export function defaultStateDir(): string {
  return process.env.VIGIE_AGENT_STATE_DIR ?? (DEFAULT_STATE_DIRS[process.platform] ?? DEFAULT_STATE_DIRS.linux!)();
}

export const credentialPath = (dir: string) => join(dir, 'credential.json');
const statePath = (dir: string) => join(dir, 'state.json');

/** Written to a temporary file readable by the agent's user only, then renamed into place, keeping the file's owner (see replaceFile). */
const writePrivate = (path: string, content: string) => replaceFile(path, content, { durable: false });

export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export async function saveCredential(dir: string, cred: Credential): Promise<void> {
  await ensureStateDir(dir);
  await writePrivate(credentialPath(dir), `${JSON.stringify(cred, null, 2)}\n`);
}

export async function loadCredential(dir: string): Promise<Credential | undefined> {
  try {
    const c = JSON.parse(await readFile(credentialPath(dir), 'utf8')) as Credential;
    if (typeof c.url !== 'string' || typeof c.agentId !== 'string' || typeof c.secret !== 'string') throw new Error('credential file is incomplete');
    if (c.urls !== undefined && (!Array.isArray(c.urls) || c.urls.some((u) => typeof u !== 'string'))) {
      throw new VigieError(
        'AGENT_COLLECTOR_URL_INVALID',
        `${credentialPath(dir)}: "urls" must be a list of collector URLs (text), e.g. ["https://collector.example.fr"] (fix or remove it in the file)`,
      );
    }
    // A list edited by hand is checked as one given on the command line: the agent sends its secret to each.
    const urls = parseCollectorUrls(c.urls?.length ? c.urls : [c.url], { allowPlain: c.allowPlain === true });
    return { ...c, url: urls[0]!, urls };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The collectors of a credential, primary first. */
export const collectorUrls = (c: Credential): string[] => (c.urls?.length ? c.urls : [c.url]);

export async function loadState(dir: string): Promise<AgentState> {
  try {
    return JSON.parse(await readFile(statePath(dir), 'utf8')) as AgentState;
  } catch {
    return {};
  }
}

export async function saveState(dir: string, state: AgentState): Promise<void> {
  await writePrivate(statePath(dir), JSON.stringify(state));
}
