import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** A JSON body, or a raw string/Buffer sent as is. */
  body?: unknown;
  raw?: string | Buffer;
  /** Source address on loopback (127.0.0.x): a distinct client for the collector. */
  from?: string;
}

/**
 * One HTTP request on its own connection (no keep-alive: the cluster's primary hands each new
 * connection to a worker in turn), the path sent exactly as written (fetch would normalise it).
 */
export function call(base: string, method: string, path: string, o: CallOptions = {}): Promise<Answer> {
  const u = new URL(base);
  const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const headers: Record<string, string> = { connection: 'close', ...o.headers };
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, agent: false, ...(o.from ? { localAddress: o.from } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** What identifies a signed-in session: enough to call with it from another process of the suite. */
export interface SessionCredentials {
  email: string;
  cookie: string;
  csrf: string;
  deviceCookie: string | undefined;
}

export interface Session extends SessionCredentials {
  call(method: string, path: string, o?: CallOptions & { csrf?: boolean }): Promise<Answer>;
  get(path: string): Promise<Answer>;
  post(path: string, body?: unknown): Promise<Answer>;
  put(path: string, body?: unknown): Promise<Answer>;
}

/** The second step of a staff sign-in: a code of the authenticator app, or a recovery code. */
export interface SecondFactor {
  totp?: string;
  recoveryCode?: string;
}

/** The sign-in's answer, whatever it was (for attacks on it). */
export function attemptSignIn(base: string, email: string, password: string, o: CallOptions & SecondFactor = {}): Promise<Answer> {
  const { totp, recoveryCode, ...co } = o;
  return call(base, 'POST', '/api/v1/auth/login', {
    ...co,
    body: { email, password, ...(totp !== undefined ? { totp } : {}), ...(recoveryCode !== undefined ? { recoveryCode } : {}) },
  });
}

export async function signIn(base: string, email: string, password: string, o: CallOptions & SecondFactor = {}): Promise<Session> {
  const res = await attemptSignIn(base, email, password, o);
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${res.text}`);
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((c) => c.startsWith('vigie_session='))!.split(';')[0]!;
  const deviceCookie = cookies.find((c) => c.startsWith('vigie_device='))?.split(';')[0];
  return sessionOf(base, { email, cookie, csrf: res.body.csrfToken as string, deviceCookie });
}

/** A session from its credentials (signed in by another process of the suite: the global set-up). */
export function sessionOf(base: string, c: SessionCredentials): Session {
  const { cookie, csrf } = c;
  const session: Session = {
    ...c,
    call: (method, path, co = {}) =>
      call(base, method, path, { ...co, headers: { cookie, ...(co.csrf === false ? {} : { 'x-csrf-token': csrf }), ...co.headers } }),
    get: (path) => session.call('GET', path),
    post: (path, body) => session.call('POST', path, { body: body ?? {} }),
    put: (path, body) => session.call('PUT', path, { body: body ?? {} }),
  };
  return session;
}

/** The credentials alone (what `provide` can pass to the test files). */
export const credentialsOf = (s: Session): SessionCredentials => ({ email: s.email, cookie: s.cookie, csrf: s.csrf, deviceCookie: s.deviceCookie });

/** The answer's JSON, or an error saying what came back instead. */
export function ok<T = any>(a: Answer, what: string): T {
  if (a.status < 200 || a.status >= 300) throw new Error(`${what}: ${a.status} ${a.text.slice(0, 500)}`);
  return a.body as T;
}
