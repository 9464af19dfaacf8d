import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { VigieError } from '@vigie/shared';
import { isRedirectRefusal } from '../transport/collector-urls.js';

/**
 * Downloads the new executable from the collector with the agent's own credential (the channel the
 * agent already authenticates), hashing as it writes and stopping as soon as it is larger than the
 * signed size. Returns the SHA-256 and size of what arrived; the caller compares them to the
 * signed ones and deletes the file when they differ.
 */
export async function downloadExecutable(
  url: string,
  bearer: string,
  dest: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  // Never followed: a redirect would send the agent's credential to another address.
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` }, redirect: 'error', ...(signal ? { signal } : {}) }).catch((err: unknown) => {
    if (isRedirectRefusal(err))
      throw new VigieError('AGENT_COLLECTOR_REDIRECTED', `GET ${new URL(url).pathname}: the collector answered with a redirect, not followed`);
    throw err;
  });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${new URL(url).pathname}: HTTP ${res.status}`);
  const hash = createHash('sha256');
  const fh = await open(dest, 'w', 0o700);
  let size = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new Error(`more than the signed ${maxBytes} bytes`);
      hash.update(chunk);
      await fh.write(chunk);
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(dest, { force: true });
    throw err;
  }
  await fh.close();
  return { sha256: hash.digest('hex'), size };
}
