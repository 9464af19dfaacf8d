/**
 * Path spellings the router may still read as the route (percent-encoding, double slashes, case,
 * trailing dots and slashes, dot segments, parameters): every check made on a path must be made on
 * the route the router matched, whatever the spelling (CSRF, the mandatory second factor).
 * `/api/v1/users/2/disable` written the ways an attacker would try.
 */
export function spellings(path: string): string[] {
  const [bare, query] = path.split('?');
  const segs = bare!.split('/').slice(1);
  const enc = (s: string, i = 0) => (s.length > i ? `${s.slice(0, i)}%${s.charCodeAt(i).toString(16)}${s.slice(i + 1)}` : s);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const last = segs.length - 1;
  const out = [
    path,
    join([enc(segs[0]!), ...segs.slice(1)]),
    join([enc(segs[0]!), enc(segs[1]!), ...segs.slice(2).map((s) => enc(s))]),
    join(segs.map((s, i) => (i === last ? enc(s, s.length - 1) : s))),
    `/${bare}`,
    join(segs).replace('/v1/', '/v1//'),
    join(segs.map((s, i) => (i === 0 ? s.toUpperCase() : s))),
    `${bare}.`,
    `${bare}/`,
    join([...segs.slice(0, 2), '.', ...segs.slice(2)]),
    join([...segs.slice(0, 2), 'x', '..', ...segs.slice(2)]),
    `${bare};jsessionid=1`,
    `${bare}%20`,
    `${bare}?_method=GET`,
  ];
  return [...new Set(out.map((p) => (query ? `${p}${p.includes('?') ? '&' : '?'}${query}` : p)))];
}
