// Fixtures for lock-arena.test.ts: locks over one Int32Array word, loaded in the arena's threads too.
// Right: the three-state lock (0 free, 1 locked, 2 contended). Wrong: one whose lockAsync() takes a
// wake-up for the lock, and one that loses a wake-up (a woken waiter marks the word 1, not 2).
export class RightLock {
  constructor(
    protected readonly words: Int32Array,
    protected readonly index: number,
  ) {}
  tryLock(): boolean {
    return Atomics.compareExchange(this.words, this.index, 0, 1) === 0;
  }
  lock(): void {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) Atomics.wait(this.words, this.index, 2);
  }
  async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) {
      const result = Atomics.waitAsync(this.words, this.index, 2);
      if (result.async) await result.value;
    }
  }
  unlock(): void {
    if (Atomics.exchange(this.words, this.index, 0) === 2) Atomics.notify(this.words, this.index, 1);
  }
}

export class WokenMeansMine extends RightLock {
  override async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    const result = Atomics.waitAsync(this.words, this.index, Atomics.load(this.words, this.index));
    if (result.async) await result.value;
    Atomics.store(this.words, this.index, 1);
  }
  override unlock(): void {
    Atomics.store(this.words, this.index, 0);
    Atomics.notify(this.words, this.index, 1);
  }
}

export class LostWakeup extends RightLock {
  override lock(): void {
    if (this.tryLock()) return;
    for (;;) {
      Atomics.compareExchange(this.words, this.index, 1, 2);
      Atomics.wait(this.words, this.index, 2);
      if (Atomics.compareExchange(this.words, this.index, 0, 1) === 0) return;
    }
  }
}
