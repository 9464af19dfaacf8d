/** A key with the number of failures it may reach within the window before being refused. */
export interface LimitKey {
  key: string;
  max: number;
}

/**
 * Counts failed attempts per key in a sliding window; once a key reaches its limit, further
 * attempts are refused until old failures leave the window. Logins use three keys: the address
 * with the account (tight), the account alone, and the address alone (loose, against spraying).
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly windowMs = 15 * 60_000) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  blocked(keys: LimitKey[], now = Date.now()): boolean {
    return keys.some((k) => this.recent(k.key, now).length >= k.max);
  }

  fail(keys: LimitKey[], now = Date.now()): void {
    if (this.failures.size > 100_000) this.failures.clear(); // bounded memory under a spray attack
    for (const k of keys) this.failures.set(k.key, [...this.recent(k.key, now), now]);
  }

  succeed(keys: LimitKey[]): void {
    for (const k of keys) this.failures.delete(k.key);
  }
}

export function loginKeys(ip: string, email: string): LimitKey[] {
  return [
    { key: `ip-email:${ip}:${email}`, max: 10 },
    { key: `email:${email}`, max: 30 },
    { key: `ip:${ip}`, max: 100 },
  ];
}
