import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the built dashboard (`vite build`), for the collector to serve. */
export const dashboardDistDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
