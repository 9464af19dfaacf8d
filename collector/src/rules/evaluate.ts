/**
 * Rule evaluation, as pure functions: a condition observed over time becomes a problem only when it
 * has held for the rule's `for` duration; it recovers past a hysteresis threshold; a problem that
 * toggles too often is flapping and stays one problem until it settles.
 */

export type Severity = 'warning' | 'critical';

export interface ThresholdParams {
  metric: string;
  op: '>' | '<';
  value: number;
  /** Seconds the condition must hold before the problem opens. */
  forSec: number;
  /** Recovery only past this value (hysteresis); default: the threshold itself. */
  recoverValue?: number;
}

export interface FlapParams {
  /** Transitions within the window that make a problem flapping. */
  transitions: number;
  windowSec: number;
}

export const DEFAULT_FLAP: FlapParams = { transitions: 4, windowSec: 1800 };

/** What the engine remembers per (rule, device, target). */
export interface RuleState {
  firing: boolean;
  /** Since when the condition has held (while not firing yet). */
  pendingSince: number | null;
  /** Times of open/close transitions, for flap detection. */
  transitions: number[];
  flapping: boolean;
}

export const initialState = (): RuleState => ({ firing: false, pendingSince: null, transitions: [], flapping: false });

/** Nothing pending, firing, flapping or remembered: a false condition leaves such a state as it is. */
export const isQuiet = (s: RuleState): boolean => !s.firing && s.pendingSince === null && s.transitions.length === 0 && !s.flapping;

/** Whether a threshold value is in the problem zone (entering) or still in it (staying, with hysteresis). */
export function thresholdBreached(p: ThresholdParams, value: number, firing: boolean): boolean {
  const limit = firing ? (p.recoverValue ?? p.value) : p.value;
  return p.op === '>' ? value > limit : value < limit;
}

export type Transition = 'open' | 'close' | 'flapping' | 'settled' | null;

/**
 * Advances the state with one observation of the condition at `now`. Returns the new state and the
 * transition to act on (open a problem, close it, mark it flapping, or note it settled).
 */
export function step(
  state: RuleState,
  conditionTrue: boolean,
  now: number,
  forMs: number,
  flap: FlapParams = DEFAULT_FLAP,
): { state: RuleState; transition: Transition } {
  // The common case, every round for every healthy device: nothing changes, nothing is allocated.
  if (!conditionTrue && isQuiet(state)) return { state, transition: null };
  const s: RuleState = { ...state, transitions: state.transitions.filter((t) => t > now - flap.windowSec * 1000) };
  let transition: Transition = null;
  if (conditionTrue && !s.firing) {
    s.pendingSince ??= now;
    if (now - s.pendingSince >= forMs) {
      s.firing = true;
      s.pendingSince = null;
      s.transitions.push(now);
      transition = 'open';
    }
  } else if (!conditionTrue) {
    s.pendingSince = null;
    if (s.firing) {
      s.firing = false;
      s.transitions.push(now);
      transition = 'close';
    }
  }
  if (!s.flapping && s.transitions.length >= flap.transitions) {
    s.flapping = true;
    transition = 'flapping';
  } else if (s.flapping && s.transitions.length === 0 && !s.firing) {
    s.flapping = false;
    transition = 'settled';
  }
  return { state: s, transition };
}
