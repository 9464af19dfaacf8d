import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the dashboard's static files, for the collector to serve. */
export const dashboardPublicDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
