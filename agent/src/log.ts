import { maskUrlCredentials } from '@vigie/shared';

/** JSON lines on stderr; the agent's service manager (systemd, Windows service) collects them. Passwords inside URLs are masked. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Log {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

export function createLog(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Log {
  const min = ORDER[level];
  const at = (lvl: LogLevel) => (msg: string, data?: Record<string, unknown>) => {
    if (ORDER[lvl] >= min) write(maskUrlCredentials(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...data })));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
