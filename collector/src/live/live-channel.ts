import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AuthRepository, SessionUser } from '../auth/repository.js';
import { SESSION_COOKIE } from '../auth/routes.js';

export const LIVE_PATH = '/api/v1/live';

/** An event for the dashboards; `clientId` null means staff only. */
export interface LiveEvent {
  type: string;
  clientId: number | null;
  data: unknown;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * `GET /api/v1/live`: the dashboard's WebSocket. Same session cookie as the API, Origin checked
 * (no cross-site WebSocket), and each user only receives events of what it may see.
 */
export class LiveChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  private readonly clients = new Map<WebSocket, SessionUser>();

  constructor(
    private readonly auth: AuthRepository,
    /** Whether a signed-in user may listen now (one who must enrol TOTP first may not). */
    private readonly admit: (user: SessionUser) => boolean = () => true,
  ) {}

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
      } catch {}
      if (host !== req.headers.host) {
        refuse(403, 'VIGIE_E_FORBIDDEN');
        return;
      }
    }
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!token) {
      refuse(401, 'VIGIE_E_UNAUTHENTICATED');
      return;
    }
    this.auth.resolveSession(token).then(
      (s) => {
        if (!s) {
          refuse(401, 'VIGIE_E_UNAUTHENTICATED');
          return;
        }
        if (!this.admit(s.user)) {
          refuse(403, 'VIGIE_E_TOTP_ENROLMENT_REQUIRED');
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          this.clients.set(ws, s.user);
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
    for (const [ws, user] of this.clients) {
      const staff = user.role === 'admin' || user.role === 'technician';
      if (staff || (ev.clientId !== null && user.clientId === ev.clientId)) ws.send(text);
    }
  }

  /** Closes a user's sockets (its account was disabled): it must not receive another event. */
  disconnectUser(userId: number): void {
    for (const [ws, user] of this.clients) {
      if (user.id !== userId) continue;
      this.clients.delete(ws);
      ws.close(1008, 'account disabled');
    }
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    for (const ws of this.clients.keys()) ws.terminate();
    this.wss.close();
  }
}
