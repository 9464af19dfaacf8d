import { describe, expect, it } from 'vitest';
import { type DeviceChange, DeviceEvents } from './device-events.js';

/** A lookup the test answers when it chooses: the race CI once lost (health read slower than the disconnection). */
function setup() {
  const lookups: { deviceId: number; answer: (clientId: number | undefined) => void; fail: (err: Error) => void }[] = [];
  const published: [number, DeviceChange, number][] = [];
  const errors: string[] = [];
  const events = new DeviceEvents({
    clientOf: (deviceId) =>
      new Promise((resolve, reject) => {
        lookups.push({ deviceId, answer: resolve, fail: reject });
      }),
    publish: (deviceId, change, clientId) => {
      published.push([deviceId, change, clientId]);
    },
    log: { error: (_obj: unknown, msg?: string) => errors.push(String(msg)) } as never,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return { events, lookups, published, errors, settle };
}

describe('live device events', () => {
  it('a disconnection waits for the health change before it whose client is still being read', async () => {
    const { events, lookups, published, settle } = setup();
    events.changed(7, 'connected', 3);
    expect(published).toEqual([[7, 'connected', 3]]);
    events.changed(7, 'health');
    events.changed(7, 'disconnected', 3);
    // Another device is not held up by device 7's pending read.
    events.changed(8, 'connected', 4);
    await settle();
    expect(published).toEqual([
      [7, 'connected', 3],
      [8, 'connected', 4],
    ]);
    expect(events.pending).toBe(1);
    expect(lookups.map((l) => l.deviceId)).toEqual([7]);
    lookups[0]!.answer(3);
    await settle();
    expect(published).toEqual([
      [7, 'connected', 3],
      [8, 'connected', 4],
      [7, 'health', 3],
      [7, 'disconnected', 3],
    ]);
    // Nothing kept once the chain is done: the next event with its client goes out at once.
    expect(events.pending).toBe(0);
    events.changed(7, 'connected', 3);
    expect(published.at(-1)).toEqual([7, 'connected', 3]);
  });

  it('a failed read is logged and drops that event only; a device gone publishes nothing; a failing publisher is logged', async () => {
    const { events, lookups, published, errors, settle } = setup();
    events.changed(9, 'health');
    events.changed(9, 'disconnected', 5);
    await settle();
    lookups[0]!.fail(new Error('connexion perdue'));
    await settle();
    expect(published).toEqual([[9, 'disconnected', 5]]);
    expect(errors).toEqual(['live device event: the device’s client could not be read, the event is not sent']);
    events.changed(10, 'health');
    await settle();
    lookups[1]!.answer(undefined);
    await settle();
    expect(published).toEqual([[9, 'disconnected', 5]]);
    expect(events.pending).toBe(0);

    const failing = new DeviceEvents({
      clientOf: async () => 1,
      publish: () => {
        throw new Error('bus fermé');
      },
      log: { error: (_obj: unknown, msg?: string) => errors.push(String(msg)) } as never,
    });
    failing.changed(11, 'connected', 1);
    expect(errors.at(-1)).toBe('live device event: publishing failed');
  });
});
