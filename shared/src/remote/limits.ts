/** Limits of the signed command channel. Both ends enforce them. */

/** Longest life of a one-shot command envelope (queued for an offline agent at most this long). */
export const MAX_COMMAND_LIFETIME_MS = 7 * 86_400_000;
/** Standing grants (a script a policy names) and key rotations live longer: re-signed at each policy push. */
export const MAX_GRANT_LIFETIME_MS = 30 * 86_400_000;
/** Clock difference tolerated between the collector that signed and the agent that checks. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Largest script the library holds and an agent accepts (UTF-8 bytes). */
export const MAX_SCRIPT_BYTES = 256 * 1024;
/** Output an agent sends back for one command (stdout and stderr together); the rest is cut. */
export const MAX_COMMAND_OUTPUT_BYTES = 256 * 1024;
/** One output frame carries at most this much text. */
export const COMMAND_OUTPUT_CHUNK_BYTES = 8 * 1024;
export const DEFAULT_SCRIPT_TIMEOUT_SEC = 300;
export const MAX_SCRIPT_TIMEOUT_SEC = 3600;
/** Largest slice of a log file one fetch returns. */
export const MAX_LOG_FETCH_BYTES = 1024 * 1024;
/** A step-up (fresh TOTP) authorises scripts and reboots for this long, in that session only. */
export const STEP_UP_WINDOW_MS = 5 * 60_000;
/** Longest delay of a reboot, in minutes. */
export const MAX_REBOOT_DELAY_MIN = 24 * 60;
