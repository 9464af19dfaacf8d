/** The collector's REST API, with the session cookie and the CSRF token on every state change. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    /** What the reader's sentence is made from: a reason and its values, or the field and the rule it broke (shared/src/api/common.ts). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSessionLost: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when the API answers 401 to a signed-in user: the session expired or was closed. */
export function onUnauthenticated(fn: () => void): void {
  onSessionLost = fn;
}

/** The collector closed this user's session some other way (its account was disabled: the live socket says so). */
export function signalSessionLost(): void {
  onSessionLost();
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  return send<T>(path, method, headers, init.body === undefined ? undefined : JSON.stringify(init.body));
}

/** A file as the body of a request (`application/octet-stream`), with the CSRF token: an attachment, a logo. */
export async function upload<T>(path: string, file: Blob, method = 'POST'): Promise<T> {
  return send<T>(path, method, { 'content-type': 'application/octet-stream', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) }, file);
}

async function send<T>(path: string, method: string, headers: Record<string, string>, payload: BodyInit | undefined): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: payload });
  } catch (err) {
    // No answer at all (network down, collector stopped): status 0, said as such to the reader.
    throw new ApiError(0, undefined, String(err));
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): the status says what happened.
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    if (res.status === 401 && path !== '/api/v1/auth/login' && path !== '/api/v1/auth/me') onSessionLost();
    const details = err?.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : undefined;
    throw new ApiError(res.status, err?.code, err?.message ?? res.statusText, details);
  }
  return body as T;
}

/** Query string from the defined values of `params`. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
