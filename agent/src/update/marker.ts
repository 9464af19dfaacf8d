import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeDurable } from '../remote/durable-file.js';

/**
 * The update in progress, on disk: what the old version wrote before handing over, what the new
 * one writes once healthy, what the watchdog writes when it puts the old one back. It outlives
 * every process of the update, so each reads where the others left off.
 */
export interface UpdateMarker {
  commandId: string;
  from: string;
  to: string;
  executable: string;
  previous: string;
  installedAt: number;
  /** The new version must be healthy by then. */
  deadline: number;
  graceSec: number;
  state: 'installed' | 'healthy' | 'rolled-back';
  /** The new version's process, once it started (the watchdog ends it if it hangs). */
  pid?: number;
  reason?: string;
  /** The outcome was told to the collector (the marker is then removed). */
}

export const markerPath = (stateDir: string) => join(stateDir, 'update', 'update.json');

export async function readMarker(stateDir: string): Promise<UpdateMarker | undefined> {
  try {
    return JSON.parse(await readFile(markerPath(stateDir), 'utf8')) as UpdateMarker;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeMarker(stateDir: string, m: UpdateMarker): Promise<void> {
  await mkdir(dirname(markerPath(stateDir)), { recursive: true, mode: 0o700 });
  await writeDurable(markerPath(stateDir), `${JSON.stringify(m, null, 2)}\n`);
}

export const removeMarker = (stateDir: string) => rm(markerPath(stateDir), { force: true });
