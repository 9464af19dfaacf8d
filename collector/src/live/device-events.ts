import type { FastifyBaseLogger } from 'fastify';

export type DeviceChange = 'health' | 'connected' | 'disconnected';

/**
 * A device's health and connection changes, published to the dashboards in the order they
 * happened. A change may come without the device's client (a health change from the ingest
 * batch), which is then read first: the events that follow it for that device wait for it (one
 * chain per device), so a disconnection is never heard before the health change that preceded it.
 * A device with nothing pending publishes at once; a finished chain is forgotten.
 */
export class DeviceEvents {
  private readonly chains = new Map<number, Promise<void>>();

  constructor(
    private readonly o: {
      /** The device's client, undefined for a device that no longer exists. */
      clientOf: (deviceId: number) => Promise<number | undefined>;
      publish: (deviceId: number, change: DeviceChange, clientId: number) => void;
      log: Pick<FastifyBaseLogger, 'error'>;
    },
  ) {}

  /** Devices with an event still waiting for its client. */
  get pending(): number {
    return this.chains.size;
  }

  changed(deviceId: number, change: DeviceChange, clientId?: number): void {
    const before = this.chains.get(deviceId);
    if (clientId !== undefined && before === undefined) {
      this.publish(deviceId, change, clientId);
      return;
    }
    const next = (before ?? Promise.resolve()).then(async () => {
      try {
        let owner = clientId;
        try {
          owner ??= await this.o.clientOf(deviceId);
        } catch (err) {
          this.o.log.error({ err, deviceId, change }, 'live device event: the device’s client could not be read, the event is not sent');
          return;
        }
        if (owner !== undefined) this.publish(deviceId, change, owner);
      } finally {
        if (this.chains.get(deviceId) === next) this.chains.delete(deviceId);
      }
    });
    this.chains.set(deviceId, next);
  }

  private publish(deviceId: number, change: DeviceChange, clientId: number): void {
    try {
      this.o.publish(deviceId, change, clientId);
    } catch (err) {
      this.o.log.error({ err, deviceId, change }, 'live device event: publishing failed');
    }
  }
}
