import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AuthRepository, SessionUser } from '../auth/repository.js';
import { SESSION_COOKIE } from '../auth/routes.js';
import type { SessionEndReason } from '../cluster/bus.js';
import type { LiveEvent } from './live-event.js';

export const LIVE_PATH = '/api/v1/live';

export type { LiveEvent } from './live-event.js';

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

interface LiveClient {
  user: SessionUser;
  /** The session the socket was opened with: the socket lives no longer than it. */
  idHash: string;
}

export interface LiveChannelOptions {
  /** How often every socket's session is checked again (expiry, and a backstop for the rest). */
  recheckMs?: number;
  /** Origins allowed besides the request's own host (the public URL behind a proxy). */
  allowedOrigins?: readonly string[];
  onError?: (err: unknown) => void;
  /** Whether a signed-in user may listen now (one who must enrol TOTP first may not). */
  admit?: (user: SessionUser) => boolean | Promise<boolean>;
}

/**
 * `GET /api/v1/live`: the dashboard's WebSocket. Same session cookie as the API, Origin checked
 * (no cross-site WebSocket), and each user only receives events of what it may see. A socket lives
 * as long as its session: logout, a new password or role (told through the cluster bus, so on
 * every process at once) and expiry (checked every `recheckMs`) close it with 1008.
 */
export class LiveChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  private readonly clients = new Map<WebSocket, LiveClient>();
  private readonly recheck: NodeJS.Timeout;
  private rechecking = false;

  constructor(
    private readonly auth: AuthRepository,
    private readonly opts: LiveChannelOptions = {},
  ) {
    this.recheck = setInterval(() => void this.recheckSessions(), opts.recheckMs ?? 15_000);
    this.recheck.unref();
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, code: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nX-Vigie-Error: ${code}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    };
    const origin = req.headers.origin;
    if (origin) {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined; // an Origin that is no URL matches no host: refused just below
      }
      if (host !== req.headers.host && !this.opts.allowedOrigins?.includes(origin)) {
        refuse(403, 'VIGIE_E_FORBIDDEN');
        return;
      }
    }
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!token) {
      refuse(401, 'VIGIE_E_UNAUTHENTICATED');
      return;
    }
    const admit = this.opts.admit ?? (() => true);
    this.auth
      .resolveSession(token)
      .then(async (s) => s && { s, admitted: await admit(s.user) })
      .then(
        (r) => {
          if (!r) {
            refuse(401, 'VIGIE_E_UNAUTHENTICATED');
            return;
          }
          const s = r.s;
          if (!r.admitted) {
            refuse(403, 'VIGIE_E_TOTP_ENROLMENT_REQUIRED');
            return;
          }
          this.wss.handleUpgrade(req, socket, head, (ws) => {
            this.clients.set(ws, { user: s.user, idHash: s.idHash });
            ws.on('close', () => this.clients.delete(ws));
            ws.on('error', () => this.clients.delete(ws));
            // The dashboard only listens; anything it sends is ignored.
            ws.send(JSON.stringify({ type: 'hello', data: { user: s.user.email, role: s.user.role } }));
          });
        },
        () => refuse(401, 'VIGIE_E_UNAUTHENTICATED'),
      );
  }

  publish(ev: LiveEvent): void {
    const text = JSON.stringify({ type: ev.type, data: ev.data });
    for (const [ws, { user }] of this.clients) {
      const staff = user.role === 'admin' || user.role === 'technician';
      if (staff || (ev.clientId !== null && user.clientId === ev.clientId)) ws.send(text);
    }
  }

  /** Closes a user's sockets (its account was disabled): it must not receive another event. */
  disconnectUser(userId: number): void {
    this.endSessions({ userId }, 'account disabled');
  }

  /** Closes the sockets of one session (`idHash`) or of all a user's sessions. */
  endSessions(match: { userId: number; idHash?: string | undefined }, reason: SessionEndReason | 'account disabled'): void {
    for (const [ws, c] of this.clients) {
      if (c.user.id !== match.userId || (match.idHash !== undefined && c.idHash !== match.idHash)) continue;
      this.clients.delete(ws);
      ws.close(1008, `session ended: ${reason}`);
    }
  }

  /** Every open socket's session checked again: one that expired or changed under it closes. */
  async recheckSessions(now = Date.now()): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      const verdicts = new Map<string, boolean>();
      for (const [ws, c] of [...this.clients]) {
        let valid = verdicts.get(c.idHash);
        if (valid === undefined) {
          valid = await this.auth.sessionStillValid(c.idHash, c.user, now);
          verdicts.set(c.idHash, valid);
        }
        // A backstop for a change told on the bus (a lost message, a change made by the CLI): a user
        // who must now enrol TOTP hears nothing more, as the API answers it nothing more.
        const admitted = valid && (await (this.opts.admit ?? (() => true))(c.user));
        if (admitted || !this.clients.has(ws)) continue;
        this.clients.delete(ws);
        ws.close(1008, `session ended: ${valid ? 'second-factor-required' : 'expired'}`);
      }
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      this.rechecking = false;
    }
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.recheck);
    for (const ws of this.clients.keys()) ws.terminate();
    this.wss.close();
  }
}
