import { describe, expect, it } from 'vitest';
import { guardExporters } from './flows-role.js';

// The flow receiver sends nothing, but its exporter allowlist follows the outbound guard: a policy
// cannot make it accept datagrams "from" a metadata, link-local or multicast address (a UDP source
// is easily forged) unless it opts in to link-local addresses.
describe('flow exporters and the outbound guard', () => {
  it('drops metadata, link-local, unspecified and multicast exporters in any spelling, keeps the LAN', () => {
    const exporters = [
      '192.168.10.1',
      '10.0.0.254',
      '169.254.169.254',
      '::ffff:a9fe:a9fe',
      'fd00:ec2::254',
      '168.63.129.16',
      'fe80::1',
      '0.0.0.0',
      '224.0.0.1',
      'fd00::1',
    ];
    expect(guardExporters({ exporters })).toEqual({
      allowed: ['192.168.10.1', '10.0.0.254', 'fd00::1'],
      refused: ['169.254.169.254', '::ffff:a9fe:a9fe', 'fd00:ec2::254', '168.63.129.16', 'fe80::1', '0.0.0.0', '224.0.0.1'],
    });
  });

  it('keeps link-local and metadata exporters when the policy opts in, never unspecified or multicast ones', () => {
    expect(guardExporters({ exporters: ['169.254.1.1', 'fe80::1', '0.0.0.0', '224.0.0.1'], allowLinkLocal: true })).toEqual({
      allowed: ['169.254.1.1', 'fe80::1'],
      refused: ['0.0.0.0', '224.0.0.1'],
    });
  });
});
