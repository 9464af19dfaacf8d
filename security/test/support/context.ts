import { inject } from 'vitest';
import { type Session, sessionOf } from './http.js';
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

/**
 * The sessions global-setup signed in with a second factor, to reuse: each new sign-in of these
 * staff costs a one-time code. Not stepped up; a test that needs a step-up or ends a session signs
 * in its own.
 */
export function staffSession(who: 'admin' | 'remote'): Session {
  const w = world();
  return sessionOf(w.url, w.sessions[who]);
}
