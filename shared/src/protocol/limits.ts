/** Protocol v1 limits. Both ends enforce them. */
export const PROTOCOL_VERSION = 1 as const;
/** Largest WebSocket frame the collector accepts (a full inventory with thousands of packages fits). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** Longest string accepted inside a message: long enough that hostile 100 kB names are kept as data. */
export const MAX_STRING = 128 * 1024;
/** Most metric values in one metrics frame. */
export const MAX_METRIC_VALUES_PER_FRAME = 20_000;
/** Most check results in one checks frame. */
export const MAX_CHECK_RESULTS_PER_FRAME = 2_000;
/** Longest metric series key, e.g. `fs.used_pct{mount=/var/lib/docker}`. */
export const MAX_SERIES_KEY = 256;
/** Most loss runs one spool report carries (the counters stay exact beyond them). */
export const MAX_SPOOL_DROPS_REPORTED = 32;
