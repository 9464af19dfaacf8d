/**
 * Credentials written inside URLs (`https://user:password@host/`, restic's `rest:https://…`,
 * `smtp://user:password@relay`): the provider's secrets. Client users and logs see that one is
 * set, never what it is — the same mask as SNMP communities.
 */
export const SECRET_MASK = '••••';

// scheme://userinfo@ — greedy up to the authority's last '@' (a password may hold a raw '@').
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]*)@/gi;
/** Schemes where a lone user name is usually a token (`https://<token>@host`); `ssh://borg@nas` keeps its user. */
const TOKEN_AS_USER = /^(https?|wss?):\/\/$/i;

/** Every URL password in `text` replaced by the mask (and a lone token in an http(s) user name). */
export function maskUrlCredentials(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_USERINFO, (whole, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon >= 0) return `${scheme}${userinfo.slice(0, colon)}:${SECRET_MASK}@`;
    return userinfo !== '' && TOKEN_AS_USER.test(scheme) ? `${scheme}${SECRET_MASK}@` : whole;
  });
}

/** A copy of a JSON value with every string passed through maskUrlCredentials (other objects, such as errors, are kept as they are). */
export function maskUrlCredentialsDeep<T>(value: T): T {
  if (typeof value === 'string') return maskUrlCredentials(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskUrlCredentialsDeep(v)) as T;
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskUrlCredentialsDeep(v);
    return out as T;
  }
  return value;
}
