// Fixtures for thread-probe.test.ts: tiny locks over one Int32Array cell: one that sleeps while it
// waits, one that polls with timed waits, and one that spins. Loaded inside the probe thread.
export class SleepingLock {
  constructor(private readonly cell: Int32Array) {}
  lock(): void {
    while (Atomics.compareExchange(this.cell, 0, 0, 1) !== 0) Atomics.wait(this.cell, 0, 1);
  }
  unlock(): void {
    Atomics.store(this.cell, 0, 0);
    Atomics.notify(this.cell, 0, 1);
  }
}

/** Sleeps in 10 ms naps and looks again: never needs a notify. */
export class PollingLock {
  constructor(private readonly cell: Int32Array) {}
  lock(): void {
    while (Atomics.compareExchange(this.cell, 0, 0, 1) !== 0) Atomics.wait(this.cell, 0, 1, 10);
  }
}

export class SpinningLock {
  constructor(private readonly cell: Int32Array) {}
  lock(): void {
    while (Atomics.compareExchange(this.cell, 0, 0, 1) !== 0) {
      // spin
    }
  }
  unlock(): void {
    Atomics.store(this.cell, 0, 0);
  }
}

export class Thrower {
  explode(): void {
    throw new RangeError('on purpose');
  }
}
