import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VigieError } from '@vigie/shared';
import { InstallerList } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/guard.js';

/** Which OS an installer artefact is for, from its file name (as `installers/` names them). */
export function artefactOs(file: string): 'debian' | 'linux' | 'windows' | 'macos' | undefined {
  if (file.endsWith('.deb')) return 'debian';
  if (file === 'install.sh' || /^vigie-agent-linux-(x64|arm64)$/.test(file)) return 'linux';
  if (file.endsWith('.msi') || file.endsWith('.exe')) return 'windows';
  if (file.endsWith('.tar.gz') && file.includes('darwin')) return 'macos';
  return undefined;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/**
 * The agent's installers, as built by `npm run build:installers`: listed for technicians (with
 * size and SHA-256), and downloadable by machines being enrolled (they are not secret).
 */
export function registerDownloads(app: FastifyInstance, dir: string | undefined): void {
  const hashes = new Map<string, { mtime: number; sha256: string }>();
  const list = () => {
    if (!dir || !existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => SAFE_NAME.test(f) && artefactOs(f))
      .map((file) => {
        const st = statSync(join(dir, file));
        let h = hashes.get(file);
        if (!h || h.mtime !== st.mtimeMs) {
          h = {
            mtime: st.mtimeMs,
            sha256: createHash('sha256')
              .update(readFileSync(join(dir, file)))
              .digest('hex'),
          };
          hashes.set(file, h);
        }
        return { file, os: artefactOs(file)!, sizeBytes: st.size, sha256: h.sha256, url: `/downloads/${file}` };
      });
  };

  app.get('/api/v1/installers', { schema: { tags: ['agents'], response: { 200: InstallerList } } }, async (req) => {
    requireRole(req, 'admin', 'technician');
    return { installers: list() };
  });

  app.get('/downloads/:file', { schema: { hide: true } }, async (req: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const file = req.params.file;
    if (!dir || !SAFE_NAME.test(file) || !artefactOs(file) || !existsSync(join(dir, file))) throw new VigieError('NOT_FOUND');
    reply.header('content-type', file === 'install.sh' ? 'text/x-shellscript; charset=utf-8' : 'application/octet-stream');
    reply.header('content-disposition', `attachment; filename="${file}"`);
    reply.header('content-length', statSync(join(dir, file)).size);
    return reply.send(createReadStream(join(dir, file)));
  });
}
