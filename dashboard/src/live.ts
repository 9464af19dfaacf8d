import type { LiveMessage } from '@vigie/shared/api';
import { useEffect, useRef, useState } from 'preact/hooks';
import { signalSessionLost } from './api.js';

export type { LiveMessage };

/** The id of the ticket a `ticket` message is about. */
export function liveTicketId(m: LiveMessage): number | undefined {
  return m.type === 'ticket' ? (m.data as { ticket?: { id?: number } } | null)?.ticket?.id : undefined;
}

const listeners = new Set<(m: LiveMessage) => void>();
const statusListeners = new Set<(connected: boolean) => void>();
let ws: WebSocket | undefined;
let wanted = false;
let retryMs = 500;
let connected = false;

function setConnected(v: boolean) {
  connected = v;
  for (const fn of statusListeners) fn(v);
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
  const socket = new WebSocket(url);
  ws = socket;
  socket.onopen = () => {
    retryMs = 500;
    setConnected(true);
  };
  socket.onmessage = (e) => {
    let m: LiveMessage;
    try {
      m = JSON.parse(String(e.data));
    } catch {
      return;
    }
    for (const fn of listeners) fn(m);
  };
  socket.onclose = (e) => {
    if (ws === socket) ws = undefined;
    setConnected(false);
    // 1008: the collector closed it because the account was disabled; its session is gone too.
    if (e.code === 1008 && wanted) {
      wanted = false;
      signalSessionLost();
      return;
    }
    // Reconnect with backoff while signed in (the collector may be restarting).
    if (wanted) setTimeout(() => wanted && !ws && connect(), retryMs);
    retryMs = Math.min(retryMs * 2, 15_000);
  };
}

export function startLive(): void {
  wanted = true;
  if (!ws) connect();
}

export function stopLive(): void {
  wanted = false;
  ws?.close();
  ws = undefined;
}

/** Calls `fn` for every live message while the component is mounted. */
export function useLive(fn: (m: LiveMessage) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const l = (m: LiveMessage) => ref.current(m);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
}

export function useLiveStatus(): boolean {
  const [v, setV] = useState(connected);
  useEffect(() => {
    statusListeners.add(setV);
    // The socket may have opened between the first render and this subscription.
    setV(connected);
    return () => void statusListeners.delete(setV);
  }, []);
  return v;
}
