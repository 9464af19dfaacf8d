import { describe, expect, it } from 'vitest';
import { channelUrl, MAX_COLLECTOR_URLS, parseCollectorUrls } from './collector-urls.js';

const refusal = (values: string[]) => {
  try {
    parseCollectorUrls(values);
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  throw new Error(`accepted: ${JSON.stringify(values)}`);
};

describe('collector URL list', () => {
  it('takes repeated values and comma-separated ones, in order, primary first, in canonical http(s) form', () => {
    expect(parseCollectorUrls(['https://a.example.fr/', ' wss://b.example.fr:8443/vigie/ , https://C.example.fr'])).toEqual([
      'https://a.example.fr',
      'https://b.example.fr:8443/vigie',
      'https://c.example.fr',
    ]);
    expect(parseCollectorUrls(['ws://127.0.0.1:8080,http://[::1]:9090'])).toEqual(['http://127.0.0.1:8080', 'http://[::1]:9090']);
  });

  it('derives the channel URL keeping TLS (wss for https, ws for http) and the path', () => {
    const [tls, plain] = [parseCollectorUrls(['wss://b.example.fr/vigie'])[0]!, parseCollectorUrls(['ws://127.0.0.1:1'])[0]!];
    expect(channelUrl(tls)).toBe('wss://b.example.fr/vigie/api/v1/agent');
    expect(channelUrl(plain)).toBe('ws://127.0.0.1:1/api/v1/agent');
  });

  it.each([
    [[], /no collector URL/],
    [[''], /no collector URL/],
    [['https://a.fr,,https://b.fr'], /empty collector URL/],
    [['collector.example.fr'], /is not a URL/],
    [['ftp://a.example.fr'], /only http, https, ws and wss are accepted, not ftp/],
    [['file:///etc/passwd'], /only http, https, ws and wss/],
    [['https://a.fr?x=1'], /query/],
    [['https://a.fr#x'], /fragment/],
    [['https://a.fr', 'https://a.fr/'], /given twice/],
    [['https://a.fr', 'http://b.fr'], /mix TLS and plain connections \(http:\/\/b\.fr\)/],
    [['wss://a.fr,ws://b.fr'], /mix TLS and plain/],
    [[Array.from({ length: MAX_COLLECTOR_URLS + 1 }, (_, i) => `https://c${i}.fr`).join(',')], /at most 16/],
  ])('refuses %j with a clear message and the catalogue code', (values, message) => {
    const r = refusal(values);
    expect(r.code).toBe('VIGIE_E_AGENT_COLLECTOR_URL_INVALID');
    expect(r.message).toMatch(message);
  });

  it('refuses a user or password in a URL without repeating the password', () => {
    const r = refusal(['https://admin:hunter2@a.example.fr']);
    expect(r.message).toMatch(/must not carry a user name or password/);
    expect(r.message).not.toContain('hunter2');
  });

  it('refuses plain http/ws to another machine unless allowed, keeps loopback plain (tests, labs)', () => {
    const r = refusal(['http://collector.example.fr']);
    expect(r.code).toBe('VIGIE_E_AGENT_COLLECTOR_URL_INVALID');
    expect(r.message).toMatch(/collector URL http:\/\/collector\.example\.fr is plain \(http\/ws\) to another machine.*--allow-plain/);
    expect(refusal(['ws://10.0.0.5:8080']).message).toMatch(/plain/);
    expect(refusal(['http://127.0.0.1:1,http://192.0.2.7']).message).toMatch(/http:\/\/192\.0\.2\.7 is plain/);
    expect(parseCollectorUrls(['http://collector.example.fr,ws://10.0.0.5:8080'], { allowPlain: true })).toEqual([
      'http://collector.example.fr',
      'http://10.0.0.5:8080',
    ]);
    expect(parseCollectorUrls(['http://127.0.0.1:1,http://127.9.8.7:2,ws://[::1]:3,http://localhost:4'])).toEqual([
      'http://127.0.0.1:1',
      'http://127.9.8.7:2',
      'http://[::1]:3',
      'http://localhost:4',
    ]);
  });

  it.each([
    ['https://admin:xq7@zz9@a.example.fr', 'xq7@zz9'],
    ['https://admin:xq7/zz9@a.example.fr', 'xq7/zz9'],
    ['https:admin:xq7zz9@a.example.fr', 'xq7zz9'],
    ['https://admin:xq7@zz9@a.example.fr/x?y=1', 'xq7@zz9'],
  ])('hides the password of %j wherever the URL is refused', (url, password) => {
    for (const values of [[url], [`https://ok.example.fr,${url}`], [url, url], [`${url},,https://ok.example.fr`]]) {
      const r = refusal(values);
      expect(r.code).toBe('VIGIE_E_AGENT_COLLECTOR_URL_INVALID');
      // Not even a part of it (a password holding '@' or '/' was cut there).
      for (const part of [password, ...password.split(/[@/]/)]) expect(r.message).not.toContain(part);
      expect(r.message).not.toContain('admin');
    }
  });

  it('takes a host with a trailing dot as the same collector', () => {
    expect(parseCollectorUrls(['https://a.fr.:8443/vigie'])).toEqual(['https://a.fr:8443/vigie']);
    expect(refusal(['https://a.fr.', 'https://a.fr']).message).toMatch(/given twice/);
  });
});
