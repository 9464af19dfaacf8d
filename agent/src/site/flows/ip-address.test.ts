import { describe, expect, it } from 'vitest';
import { formatIpv6, normaliseIp, parseIp } from './ip-address.js';
import { SubnetSet } from './subnets.js';

describe('IPv6 text (RFC 5952)', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // the longest zero run is compressed
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['FE80::ABCD', 'fe80::abcd'],
  ])('%s → %s', (text, expected) => {
    expect(formatIpv6(parseIp(text)!, 0)).toBe(expected);
  });

  it('writes a dual-stack socket’s IPv4-mapped sender as IPv4', () => {
    expect(normaliseIp('::ffff:192.168.1.1')).toBe('192.168.1.1');
    expect(normaliseIp('::ffff:c0a8:101')).toBe('192.168.1.1');
    expect(normaliseIp('2001:DB8::0:1')).toBe('2001:db8::1');
    expect(normaliseIp('not an address')).toBe('not an address');
  });
});

describe('SubnetSet', () => {
  const site = new SubnetSet(['192.168.1.0/24', '10.0.0.0/8', '172.16.5.7', '2001:db8:42::/48', '172.20.0.0/15']);
  it.each([
    ['192.168.1.0', true],
    ['192.168.1.255', true],
    ['192.168.2.1', false],
    ['10.255.255.255', true],
    ['172.16.5.7', true],
    ['172.16.5.8', false],
    ['172.21.255.1', true], // /15: 172.20.0.0–172.21.255.255
    ['172.22.0.1', false],
    ['2001:db8:42:ffff::1', true],
    ['2001:db8:43::1', false],
    ['::ffff:192.168.1.5', false], // families are not mixed; the receiver normalises first
    ['garbage', false],
  ])('%s in the site: %s', (address, inside) => {
    expect(site.has(address)).toBe(inside);
  });

  it('accepts /0 as everything of one family', () => {
    const all = new SubnetSet(['0.0.0.0/0']);
    expect([all.has('1.2.3.4'), all.has('::1')]).toEqual([true, false]);
  });
});
