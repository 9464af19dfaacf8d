import { describe, expect, it } from 'vitest';
import { decodeAgentFrame, decodeCollectorFrame } from '../protocol/codec.js';
import { ceilingAllows, parseCeilingFile } from './ceiling.js';
import { scriptParamsError } from './scripts.js';

const frame = (type: string, body: unknown) => JSON.stringify({ v: 1, type, seq: 1, ts: 1, body });

describe('the local ceiling file', () => {
  it('reads one "remote:" line with comments around it', () => {
    expect(parseCeilingFile('# set by the installer\nremote: scripts\n')).toEqual({ ok: true, ceiling: 'scripts' });
    expect(parseCeilingFile('remote=off')).toEqual({ ok: true, ceiling: 'off' });
  });
  it('refuses anything it does not understand (the agent then allows nothing)', () => {
    for (const bad of ['', 'remote: everything', 'remote: scripts\nremote: off', 'scripts', 'remote: Scripts'])
      expect(parseCeilingFile(bad).ok, bad).toBe(false);
  });
  it('orders the levels: off < actions < scripts; key rotation passes every level', () => {
    expect(ceilingAllows('actions', 'scripts')).toBe(false);
    expect(ceilingAllows('actions', 'actions')).toBe(true);
    expect(ceilingAllows('off', 'actions')).toBe(false);
    expect(ceilingAllows('scripts', 'actions')).toBe(true);
    expect(ceilingAllows('off', 'trust')).toBe(true);
  });
});

describe('typed script parameters', () => {
  const defs = [
    { name: 'path', type: 'string' as const, required: true, maxLength: 10 },
    { name: 'days', type: 'integer' as const, minimum: 1, maximum: 30 },
    { name: 'mode', type: 'choice' as const, choices: ['fast', 'full'] },
    { name: 'dry', type: 'boolean' as const },
  ];
  it('accepts declared values of their type', () => {
    expect(scriptParamsError(defs, { path: '/tmp', days: 3, mode: 'full', dry: true })).toBeUndefined();
  });
  it.each([
    [{}, 'Paramètre requis : path'],
    [{ path: '/tmp', other: 1 }, 'Paramètre inconnu : other'],
    [{ path: '01234567890' }, 'path : 10 caractères au plus'],
    [{ path: 'a\0b' }, 'path : caractère NUL interdit'],
    [{ path: 'x', days: 31 }, 'days : 30 au plus'],
    [{ path: 'x', days: '3' }, 'days : nombre entier attendu'],
    [{ path: 'x', mode: 'rm -rf' }, 'mode : valeur hors de la liste (fast, full)'],
    [{ path: 'x', dry: 'yes' }, 'dry : oui ou non attendu'],
  ])('refuses %j', (values, message) => {
    expect(scriptParamsError(defs, values)).toBe(message);
  });
});

describe('signed command frames (protocol v1, compatible extension)', () => {
  const signed = { commandId: 'cmd_12345678', keyId: '0123456789abcdef', envelope: 'eyJ2IjoxfQ', signature: 'A'.repeat(86) };
  it('carries a signed command to the agent beside the unsigned collection requests', () => {
    expect(decodeCollectorFrame(frame('command', signed)).ok).toBe(true);
    expect(decodeCollectorFrame(frame('command', { commandId: 'c-1', action: 'refresh-inventory' })).ok).toBe(true);
  });
  it('refuses a signed command whose signature is not 64 bytes, or with a stray field', () => {
    expect(decodeCollectorFrame(frame('command', { ...signed, signature: 'AAAA' })).ok).toBe(false);
    expect(decodeCollectorFrame(frame('command', { ...signed, shell: '/bin/sh' })).ok).toBe(false);
  });
  it('takes acks, output chunks and results from the agent', () => {
    expect(decodeAgentFrame(frame('command-ack', { commandId: 'cmd_12345678', state: 'refused', code: 'VIGIE_E_REMOTE_EXPIRED', at: 1 })).ok).toBe(true);
    expect(decodeAgentFrame(frame('command-output', { commandId: 'cmd_12345678', stream: 'stdout', index: 0, data: 'hello\n', at: 1 })).ok).toBe(true);
    expect(decodeAgentFrame(frame('command-output', { commandId: 'x', stream: 'stdout', index: 0, data: 'x'.repeat(9000), at: 1 })).ok).toBe(false);
    expect(decodeAgentFrame(frame('command-result', { commandId: 'cmd_12345678', ok: true, exitCode: 0, durationMs: 12 })).ok).toBe(true);
  });
});
