// A worker process for ipc-bus.test.ts: a real IpcBus on the real IPC channel, telling its parent
// what reached its handler and what it logged.
import { IpcBus } from '../bus.js';

const bus = new IpcBus(2);
bus.start?.({ error: (obj: unknown, msg?: string) => process.send?.({ channel: 'test-log', obj, msg }) } as never);
// A handler that fails on one message (a bug elsewhere in the collector): the next handler still hears it.
bus.subscribe((msg) => {
  if (msg.type === 'user-disabled' && msg.userId === 666) throw new Error('handler bug');
});
bus.subscribe((msg) => process.send?.({ channel: 'test-got', msg }));
process.on('message', (m: { channel?: string; msg?: unknown }) => {
  if (m?.channel === 'test-count') process.send?.({ channel: 'test-count', ...bus.relay });
  // The test asks this worker to publish a message, well-formed or not (a bug's).
  if (m?.channel === 'test-publish') bus.publish(m.msg as never);
});
process.send?.({ channel: 'test-ready' });
