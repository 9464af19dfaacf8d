import { inject } from 'vitest';
import type { World } from './world.js';

declare module 'vitest' {
  export interface ProvidedContext {
    world: World;
  }
}

/** What global-setup started: the collector's URL, the users, each client's object ids. */
export function world(): World {
  return inject('world');
}
