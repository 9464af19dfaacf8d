import type { frUx } from './fr-ux.js';

export const enUx: Record<keyof typeof frUx, string> = {
  'app.close': 'Close',
};
