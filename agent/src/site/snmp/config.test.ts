import { describe, expect, it } from 'vitest';
import { describeTarget, parseSnmpTarget, SnmpConfigError } from './config.js';

const AUTH = 'auth-secret-ab12cd';
const PRIV = 'priv-secret-ef34gh';
const v3 = { user: 'vigie', level: 'authPriv', authProtocol: 'sha', authKey: AUTH, privProtocol: 'aes', privKey: PRIV };

describe('parseSnmpTarget: what a policy may carry', () => {
  it.each([
    [
      'v2c with its defaults',
      { address: '192.168.1.10', version: '2c', community: 'lecture' },
      { port: 161, timeoutMs: 2000, retries: 1, ping: true, community: 'lecture' },
    ],
    ['v1 without a community gets public', { address: 'imprimante-rdc.local', version: '1' }, { community: 'public' }],
    ['v3 authPriv', { address: 'fd12::10', port: 1161, version: '3', v3 }, { port: 1161, v3 }],
    ['v3 authNoPriv', { address: '10.0.0.1', version: '3', v3: { user: 'u', level: 'authNoPriv', authProtocol: 'sha256', authKey: AUTH } }, {}],
    ['v3 noAuthNoPriv', { address: '10.0.0.1', version: '3', v3: { user: 'u', level: 'noAuthNoPriv' } }, {}],
    ['explicit timeouts', { address: '10.0.0.1', version: '2c', timeoutMs: 500, retries: 0, ping: false }, { timeoutMs: 500, retries: 0, ping: false }],
  ])('accepts %s', (_case, input, expected) => {
    expect(parseSnmpTarget(input)).toMatchObject(expected);
  });

  it.each([
    ['no version', { address: '10.0.0.1' }, '/version'],
    ['version 4', { address: '10.0.0.1', version: '4' }, '/version'],
    ['an address read as a ping option', { address: '-f', version: '2c' }, '/address'],
    ['an address with a space', { address: '10.0.0.1 -c 99', version: '2c' }, '/address'],
    ['port 0', { address: '10.0.0.1', version: '2c', port: 0 }, '/port'],
    ['a timeout of a minute and more', { address: '10.0.0.1', version: '2c', timeoutMs: 60_001 }, '/timeoutMs'],
    ['a v3 target without credentials', { address: '10.0.0.1', version: '3' }, '/v3'],
    ['authPriv without privKey', { address: '10.0.0.1', version: '3', v3: { ...v3, privKey: undefined } }, '/v3'],
    ['a passphrase shorter than 8', { address: '10.0.0.1', version: '3', v3: { ...v3, authKey: 'short' } }, '/v3'],
    ['an unknown privacy protocol', { address: '10.0.0.1', version: '3', v3: { ...v3, privProtocol: 'rc4' } }, '/v3'],
    ['credentials on a v2c target', { address: '10.0.0.1', version: '2c', v3 }, ''],
    ['an unknown field', { address: '10.0.0.1', version: '2c', comunity: 'typo' }, ''],
  ])('refuses %s, naming the field but never the secrets', (_case, input, path) => {
    let error: unknown;
    try {
      parseSnmpTarget(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SnmpConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`snmp target${path}`);
    expect(message).not.toContain(AUTH);
    expect(message).not.toContain(PRIV);
  });

  it('describes a target by address and port only', () => {
    expect(describeTarget(parseSnmpTarget({ address: '10.0.0.1', version: '2c', community: 'very-secret' }))).toBe('10.0.0.1:161');
    expect(describeTarget(parseSnmpTarget({ address: 'fd12::10', version: '3', v3 }))).toBe('[fd12::10]:161');
  });
});
