// A destination for pipeline tests: counts the lines delivered to it, or, while `holding`,
// keeps every delivery waiting until `release()` (a slow destination, so batches stay in flight).
import type { DeliveryObject, Destination } from '../../src/destinations/destination.ts';

export class HoldingDestination implements Destination {
  readonly kind = 'memory';
  lines = 0;
  holding = false;
  private readonly held: Array<() => void> = [];
  async deliver(object: DeliveryObject) {
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    for await (const chunk of object.chunks) this.lines += Buffer.from(chunk).toString().split('\n').filter(Boolean).length;
    return { location: 'memory' };
  }
  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
  async close() {}
}
