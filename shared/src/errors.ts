/**
 * One catalogue of error codes for every boundary (agent channel, REST, CLI).
 * A code is never reused for another meaning; add new ones at the end of their group.
 */
export const ErrorCodes = {
  // agent channel: framing and protocol
  MALFORMED_FRAME: { code: 'VIGIE_E_MALFORMED_FRAME', status: 400, message: 'Frame is not valid JSON' },
  FRAME_TOO_LARGE: { code: 'VIGIE_E_FRAME_TOO_LARGE', status: 413, message: 'Frame exceeds the maximum size' },
  UNSUPPORTED_VERSION: { code: 'VIGIE_E_UNSUPPORTED_VERSION', status: 400, message: 'Unsupported protocol version' },
  UNKNOWN_TYPE: { code: 'VIGIE_E_UNKNOWN_TYPE', status: 400, message: 'Unknown message type' },
  INVALID_ENVELOPE: { code: 'VIGIE_E_INVALID_ENVELOPE', status: 400, message: 'Envelope does not match protocol v1' },
  INVALID_BODY: { code: 'VIGIE_E_INVALID_BODY', status: 400, message: 'Message body does not match its schema' },
  WRONG_DIRECTION: { code: 'VIGIE_E_WRONG_DIRECTION', status: 400, message: 'Message type is not allowed in this direction' },
  HELLO_REQUIRED: { code: 'VIGIE_E_HELLO_REQUIRED', status: 400, message: 'The first message must be hello' },
  RATE_LIMITED: { code: 'VIGIE_E_RATE_LIMITED', status: 429, message: 'Too many messages' },
  SEQ_INVALID: { code: 'VIGIE_E_SEQ_INVALID', status: 400, message: 'Sequence number is invalid' },
  CONNECTION_REPLACED: { code: 'VIGIE_E_CONNECTION_REPLACED', status: 409, message: 'A newer connection of this agent replaced this one' },
  SHUTTING_DOWN: { code: 'VIGIE_E_SHUTTING_DOWN', status: 503, message: 'Collector is shutting down' },
  STORE_FULL: {
    code: 'VIGIE_E_STORE_FULL',
    status: 507,
    message: "The collector's disk is full: data is not accepted until space is freed; keep it and send it again after the next ack",
  },
  STORE_DAMAGED: {
    code: 'VIGIE_E_STORE_DAMAGED',
    status: 503,
    message: "The collector's store is damaged and must be repaired: data is not accepted; keep it and send it again after the next ack",
  },

  // agent identity and enrollment
  AGENT_AUTH_REQUIRED: { code: 'VIGIE_E_AGENT_AUTH_REQUIRED', status: 401, message: 'Agent credential required' },
  AGENT_BAD_CREDENTIAL: { code: 'VIGIE_E_AGENT_BAD_CREDENTIAL', status: 401, message: 'Agent credential is not valid' },
  AGENT_REVOKED: { code: 'VIGIE_E_AGENT_REVOKED', status: 403, message: 'Agent credential has been revoked' },
  ENROLL_TOKEN_INVALID: { code: 'VIGIE_E_ENROLL_TOKEN_INVALID', status: 401, message: 'Enrollment token is not valid' },
  ENROLL_TOKEN_EXPIRED: { code: 'VIGIE_E_ENROLL_TOKEN_EXPIRED', status: 401, message: 'Enrollment token has expired' },
  ENROLL_TOKEN_EXHAUSTED: { code: 'VIGIE_E_ENROLL_TOKEN_EXHAUSTED', status: 401, message: 'Enrollment token has no uses left' },
  ENROLL_TOKEN_REVOKED: { code: 'VIGIE_E_ENROLL_TOKEN_REVOKED', status: 401, message: 'Enrollment token has been revoked' },

  // REST and users
  VALIDATION: { code: 'VIGIE_E_VALIDATION', status: 400, message: 'Request does not match its schema' },
  UNAUTHENTICATED: { code: 'VIGIE_E_UNAUTHENTICATED', status: 401, message: 'Login required' },
  LOGIN_FAILED: { code: 'VIGIE_E_LOGIN_FAILED', status: 401, message: 'Wrong e-mail or password' },
  LOGIN_RATE_LIMITED: { code: 'VIGIE_E_LOGIN_RATE_LIMITED', status: 429, message: 'Too many login attempts, try again later' },
  CSRF: { code: 'VIGIE_E_CSRF', status: 403, message: 'Missing or wrong CSRF token' },
  FORBIDDEN: { code: 'VIGIE_E_FORBIDDEN', status: 403, message: 'Not allowed' },
  NOT_FOUND: { code: 'VIGIE_E_NOT_FOUND', status: 404, message: 'Not found' },
  CONFLICT: { code: 'VIGIE_E_CONFLICT', status: 409, message: 'Conflicts with existing data' },
  PAYLOAD_TOO_LARGE: { code: 'VIGIE_E_PAYLOAD_TOO_LARGE', status: 413, message: 'Request body is too large' },
  INTERNAL: { code: 'VIGIE_E_INTERNAL', status: 500, message: 'Internal error' },
  UNAVAILABLE: { code: 'VIGIE_E_UNAVAILABLE', status: 503, message: 'Something the request needs is not configured or not reachable' },
  METRICS_UNAVAILABLE: { code: 'VIGIE_E_METRICS_UNAVAILABLE', status: 503, message: 'The metrics store (InfluxDB or PostgreSQL) cannot be reached' },
  METRICS_URL_INVALID: {
    code: 'VIGIE_E_METRICS_URL_INVALID',
    status: 400,
    message: 'The metrics store URL is not valid: expected postgres://user@host:port/database or influx://host:port/database',
  },
  DATABASE_URL_INVALID: {
    code: 'VIGIE_E_DATABASE_URL_INVALID',
    status: 400,
    message: 'The database is not valid: expected a SQLite file path or postgres://user@host:port/database',
  },
  DATABASE_ENGINE_NOT_READY: {
    code: 'VIGIE_E_DATABASE_ENGINE_NOT_READY',
    status: 503,
    message: 'This collector cannot serve on PostgreSQL yet: some of its modules still need the SQLite store',
  },

  // agent side
  COMMAND_UNSUPPORTED: { code: 'VIGIE_E_COMMAND_UNSUPPORTED', status: 400, message: 'This agent cannot run that command yet' },
  AGENT_NOT_ENROLLED: { code: 'VIGIE_E_AGENT_NOT_ENROLLED', status: 400, message: 'This agent is not enrolled: run `vigie-agent enroll` first' },
  AGENT_COLLECTOR_URL_INVALID: {
    code: 'VIGIE_E_AGENT_COLLECTOR_URL_INVALID',
    status: 400,
    message: 'A collector URL must be an http, https, ws or wss URL with a host, and the list must not mix TLS and plain URLs',
  },
  AGENT_COLLECTOR_REDIRECTED: {
    code: 'VIGIE_E_AGENT_COLLECTOR_REDIRECTED',
    status: 502,
    message: 'The collector answered with a redirect: the agent sends its token or credential only to the URL it was given',
  },
  AGENT_ENROLL_UNREACHABLE: { code: 'VIGIE_E_AGENT_ENROLL_UNREACHABLE', status: 503, message: 'No collector of the list answered the enrollment' },
  SPOOL_CLOSED: { code: 'VIGIE_E_SPOOL_CLOSED', status: 500, message: 'The agent spool is closed' },

  // signed commands, refused by the agent (reported back and audited)
  REMOTE_NO_TRUSTED_KEY: { code: 'VIGIE_E_REMOTE_NO_TRUSTED_KEY', status: 403, message: 'The agent pinned no provider key at enrollment' },
  REMOTE_UNKNOWN_KEY: { code: 'VIGIE_E_REMOTE_UNKNOWN_KEY', status: 403, message: 'Signed by a key the agent does not trust' },
  REMOTE_BAD_SIGNATURE: { code: 'VIGIE_E_REMOTE_BAD_SIGNATURE', status: 403, message: 'The envelope signature is not valid' },
  REMOTE_MALFORMED_ENVELOPE: { code: 'VIGIE_E_REMOTE_MALFORMED_ENVELOPE', status: 400, message: 'The signed envelope does not match its schema' },
  REMOTE_WRONG_DEVICE: { code: 'VIGIE_E_REMOTE_WRONG_DEVICE', status: 403, message: 'The envelope is for another device or agent' },
  REMOTE_NOT_YET_VALID: { code: 'VIGIE_E_REMOTE_NOT_YET_VALID', status: 403, message: 'The envelope is not valid yet' },
  REMOTE_EXPIRED: { code: 'VIGIE_E_REMOTE_EXPIRED', status: 403, message: 'The envelope has expired' },
  REMOTE_LIFETIME_TOO_LONG: { code: 'VIGIE_E_REMOTE_LIFETIME_TOO_LONG', status: 403, message: 'The envelope is valid for longer than allowed' },
  REMOTE_REPLAYED: { code: 'VIGIE_E_REMOTE_REPLAYED', status: 403, message: 'This envelope was already received (replay)' },
  REMOTE_ID_MISMATCH: { code: 'VIGIE_E_REMOTE_ID_MISMATCH', status: 403, message: 'The command id differs from the signed one' },
  REMOTE_CEILING: { code: 'VIGIE_E_REMOTE_CEILING', status: 403, message: 'The machine’s local ceiling does not allow this' },
  REMOTE_CEILING_FILE_UNSAFE: {
    code: 'VIGIE_E_REMOTE_CEILING_FILE_UNSAFE',
    status: 403,
    message: 'The local ceiling file can be changed by others than the administrator: nothing is allowed',
  },
  REMOTE_SCRIPT_HASH_MISMATCH: { code: 'VIGIE_E_REMOTE_SCRIPT_HASH_MISMATCH', status: 403, message: 'The script differs from the signed SHA-256' },
  REMOTE_BAD_PARAMS: { code: 'VIGIE_E_REMOTE_BAD_PARAMS', status: 400, message: 'Script parameters are not valid' },
  REMOTE_ACTION_FAILED: { code: 'VIGIE_E_REMOTE_ACTION_FAILED', status: 500, message: 'The action failed on the agent' },
  REMOTE_PATH_REFUSED: { code: 'VIGIE_E_REMOTE_PATH_REFUSED', status: 403, message: 'This file may not be fetched' },
  REMOTE_INTERPRETER_MISSING: { code: 'VIGIE_E_REMOTE_INTERPRETER_MISSING', status: 400, message: 'The script’s interpreter is not on this machine' },
  REMOTE_NOT_GRANTED: { code: 'VIGIE_E_REMOTE_NOT_GRANTED', status: 403, message: 'No valid signed grant for the program this policy names' },
  REMOTE_UNSUPPORTED: { code: 'VIGIE_E_REMOTE_UNSUPPORTED', status: 400, message: 'This action is not available on this platform' },

  // staff authentication and the command library (collector)
  TOTP_REQUIRED: { code: 'VIGIE_E_TOTP_REQUIRED', status: 401, message: 'Code from your authenticator app required' },
  TOTP_INVALID: { code: 'VIGIE_E_TOTP_INVALID', status: 403, message: 'Wrong or already used authenticator code' },
  TOTP_ENROLMENT_REQUIRED: { code: 'VIGIE_E_TOTP_ENROLMENT_REQUIRED', status: 403, message: 'Set up two-factor authentication first' },
  STEP_UP_REQUIRED: { code: 'VIGIE_E_STEP_UP_REQUIRED', status: 403, message: 'Confirm with a fresh authenticator code (valid 5 minutes)' },
  REMOTE_PERMISSION_REQUIRED: { code: 'VIGIE_E_REMOTE_PERMISSION_REQUIRED', status: 403, message: 'No remote-intervention permission for this client' },
  SCRIPT_NOT_APPROVED: { code: 'VIGIE_E_SCRIPT_NOT_APPROVED', status: 409, message: 'This script version is not approved by an administrator' },

  // patch management (issue 17)
  PATCH_EXCLUDED: { code: 'VIGIE_E_PATCH_EXCLUDED', status: 409, message: 'This package is excluded by the patch policy' },
  PATCH_NOT_PENDING: { code: 'VIGIE_E_PATCH_NOT_PENDING', status: 409, message: 'This update is not pending on the device' },
  PATCH_INSTALL_FAILED: { code: 'VIGIE_E_PATCH_INSTALL_FAILED', status: 500, message: 'The update could not be installed' },
  PATCH_WRONG_SOURCE: { code: 'VIGIE_E_PATCH_WRONG_SOURCE', status: 400, message: 'The device does not use this package manager' },
  PATCH_NEEDS_PRIVILEGE: { code: 'VIGIE_E_PATCH_NEEDS_PRIVILEGE', status: 403, message: 'Installing updates needs the administrator account' },

  // several collectors (issue 15)
  BUS_SETTINGS_INVALID: {
    code: 'VIGIE_E_BUS_SETTINGS_INVALID',
    status: 400,
    message: 'The cluster bus settings are not valid: --bus takes nats://host:port (or tls://), --node-id letters, digits, dot, dash, underscore',
  },

  // signed agent self-update (issue 17)
  UPDATE_DOWNGRADE: { code: 'VIGIE_E_UPDATE_DOWNGRADE', status: 409, message: 'The offered version is not newer than the running one' },
  UPDATE_WRONG_PLATFORM: { code: 'VIGIE_E_UPDATE_WRONG_PLATFORM', status: 400, message: 'The offered executable is for another platform' },
  UPDATE_HASH_MISMATCH: { code: 'VIGIE_E_UPDATE_HASH_MISMATCH', status: 403, message: 'The downloaded executable differs from the signed SHA-256 or size' },
  UPDATE_DOWNLOAD_FAILED: { code: 'VIGIE_E_UPDATE_DOWNLOAD_FAILED', status: 502, message: 'The new executable could not be downloaded' },
  UPDATE_NOT_PACKAGED: {
    code: 'VIGIE_E_UPDATE_NOT_PACKAGED',
    status: 400,
    message: 'This agent does not run as a single executable: it cannot replace itself',
  },
  UPDATE_IN_PROGRESS: { code: 'VIGIE_E_UPDATE_IN_PROGRESS', status: 409, message: 'An update of this agent is already under way' },
  UPDATE_ROLLED_BACK: {
    code: 'VIGIE_E_UPDATE_ROLLED_BACK',
    status: 500,
    message: 'The new version did not report healthy in time: the previous one was put back',
  },
  UPDATE_NO_RELEASE: { code: 'VIGIE_E_UPDATE_NO_RELEASE', status: 404, message: 'No such agent release' },
} as const;

export type ErrorKey = keyof typeof ErrorCodes;
export type ErrorCode = (typeof ErrorCodes)[ErrorKey]['code'];

const byCode = new Map<string, (typeof ErrorCodes)[ErrorKey]>(Object.values(ErrorCodes).map((e) => [e.code, e]));

export function describeError(code: string): { code: string; status: number; message: string } | undefined {
  return byCode.get(code);
}

/** An error that crosses a boundary: it carries a catalogue code and an HTTP-ish status. */
export class VigieError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(key: ErrorKey, message?: string, details?: unknown) {
    const entry = ErrorCodes[key];
    super(message ?? entry.message);
    this.name = 'VigieError';
    this.code = entry.code;
    this.status = entry.status;
    this.details = details;
  }
}
