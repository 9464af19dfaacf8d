import { describe, expect, it } from 'vitest';
import { blockedReason, canonicalIp, OutboundRefusedError, resolveOutbound } from './index.js';

// The guard alone, with recorded name answers instead of a resolver: no packet leaves this test.
const answers = (map: Record<string, string[]>) => async (host: string) => {
  const a = map[host];
  if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return a;
};

describe('blocked addresses', () => {
  it.each([
    // Cloud metadata services, in every spelling a resolver or a URL parser accepts.
    ['169.254.169.254', 'metadata'],
    ['2852039166', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['0xA9.0xFE.0xA9.0xFE', 'metadata'],
    ['0251.0376.0251.0376', 'metadata'],
    ['169.254.43518', 'metadata'],
    ['169.254.169.254.', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['::169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
    ['fd20:ce::254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['FEBF::1%eth0', 'link-local'],
    ['2002:a9fe:0101::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('%s is refused (%s)', (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '100.64.0.1',
    '100.100.100.201',
    '169.255.0.1',
    '::1',
    'fd00::1',
    '2001:db8::1',
    '8.8.8.8',
    'nas.acme.fr',
  ])('%s stays reachable (LAN, loopback, Internet)', (address) => {
    expect(blockedReason(address)).toBeUndefined();
  });

  it('reads IP literals the way resolvers do, and names as names', () => {
    expect(canonicalIp('2852039166')).toBe('169.254.169.254');
    expect(canonicalIp('[FD00:EC2:0::254]')).toBe('fd00:ec2::254');
    expect(canonicalIp('intranet.acme.fr')).toBeUndefined();
  });
});

describe('resolveOutbound', () => {
  it('refuses a name that resolves to a metadata address, saying what it resolved to', async () => {
    const err = await resolveOutbound('metadata.acme.test', { lookup: answers({ 'metadata.acme.test': ['169.254.169.254'] }) }).catch((e) => e);
    expect(err).toBeInstanceOf(OutboundRefusedError);
    expect(err.message).toBe(
      '169.254.169.254 (metadata.acme.test resolves to 169.254.169.254) is a cloud metadata address; allow link-local addresses in the policy to reach it',
    );
  });

  it('refuses a name when any of its addresses is refused, and connects only to the one it checked', async () => {
    const lookup = answers({ mixed: ['10.0.0.5', 'fd00:ec2::254'], lan: ['10.0.0.5', '10.0.0.6'] });
    await expect(resolveOutbound('mixed', { lookup })).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(await resolveOutbound('lan', { lookup })).toEqual({ host: 'lan', address: '10.0.0.5', family: 4 });
  });

  it('resolves once: a name that answers differently later (DNS rebinding) is not asked again', async () => {
    let calls = 0;
    const rebinding = async () => (++calls === 1 ? ['127.0.0.1'] : ['169.254.169.254']);
    const pinned = await resolveOutbound('rebind.acme.test', { lookup: rebinding });
    expect(pinned.address).toBe('127.0.0.1');
    expect(calls).toBe(1);
  });

  it('lets the policy opt in to link-local and metadata addresses, never to the unspecified or multicast ones', async () => {
    expect((await resolveOutbound('169.254.169.254', { allowLinkLocal: true })).address).toBe('169.254.169.254');
    expect((await resolveOutbound('0xa9fe0101', { allowLinkLocal: true })).address).toBe('169.254.1.1');
    await expect(resolveOutbound('0.0.0.0', { allowLinkLocal: true })).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(resolveOutbound('224.0.0.251', { allowLinkLocal: true })).rejects.toBeInstanceOf(OutboundRefusedError);
  });

  it('asks no resolver about what is no host name (an option, a path)', async () => {
    let asked = 0;
    const lookup = async () => {
      asked++;
      return ['10.0.0.1'];
    };
    for (const host of ['-f', '--rsh=x', '/t', 'a b']) await expect(resolveOutbound(host, { lookup })).rejects.toMatchObject({ code: 'EINVALIDHOST' });
    expect(asked).toBe(0);
  });

  it('passes a resolver failure through, for the probe to report', async () => {
    await expect(resolveOutbound('nowhere.acme.test', { lookup: answers({}) })).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
