import { maskUrlCredentials, maskUrlCredentialsDeep } from '@vigie/shared';
import { type LoggerOptions, stdSerializers } from 'pino';

/**
 * The collector's log: credentials never reach it. Headers and bodies that carry them are redacted
 * by path; a password written inside a URL (a webhook, an SMTP relay, a backup repository in an
 * error message) is masked wherever it appears, in the message or in the logged objects.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body.password', 'req.body.token', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    formatters: { log: (obj) => maskUrlCredentialsDeep(obj) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskUrlCredentials(a) : a)) as Parameters<typeof method>);
      },
    },
    // `err` may be an Error or, where only the message is logged, a string: a string spread into an
    // object came out as one key per character ({"0":"d","1":"a",…}).
    serializers: { err: (err: unknown) => maskUrlCredentialsDeep(err instanceof Error ? { ...stdSerializers.err(err) } : err) },
  };
}
