/// <reference lib="es2024.sharedmemory" />
// Exercise 04, step 3: one vector in shared memory, many threads, one real mutex. The worker side is
// shared-vec.worker.ts. Replace each `throw` with your code. The types are the contract: keep the signatures.

// ---- Given: the memory layout, the start gate and the pause. Read them; no need to change them. ----

/** The vector's layout, in 32-bit words of one SharedArrayBuffer: [lock, length, slot 0, slot 1, ...]. */
export const LOCK = 0;
export const LENGTH = 1;
export const SLOTS = 2;

/** The value thread `thread` pushes as its `i`-th item. */
export function valueFor(thread: number, i: number): number {
  return thread * 1_000_000 + i;
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Stands for the rest of a real push (growing, copying, logging) between reading the length and
 * writing it back: it sleeps this thread ~0.1 ms. It makes a missing lock lose values every time
 * instead of once in a blue moon. Worker threads only: on the main thread it would block the event loop.
 */
export function pause(): void {
  Atomics.wait(pauseCell, 0, 0, 0.1);
}

/**
 * Lines the threads up so they all start pushing at the same moment. Cells: [arrived, open].
 * Workers call `StartGate.arriveAndWait(cells)`; the main thread awaits `open(parties)`.
 */
export class StartGate {
  readonly cells = new Int32Array(new SharedArrayBuffer(8));

  /** Worker side: report in, then sleep until the gate opens (gives up after 5 s rather than hang). */
  static arriveAndWait(cells: Int32Array): void {
    Atomics.add(cells, 0, 1);
    Atomics.notify(cells, 0);
    Atomics.wait(cells, 1, 0, 5_000);
  }

  /** Main side: waits (without blocking) until `parties` workers have arrived, then opens the gate. */
  async open(parties: number, timeoutMs = 5_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (let arrived = Atomics.load(this.cells, 0); arrived < parties; arrived = Atomics.load(this.cells, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      const result = Atomics.waitAsync(this.cells, 0, arrived, left);
      if (result.async) await result.value;
    }
    Atomics.store(this.cells, 1, 1);
    Atomics.notify(this.cells, 1);
  }
}

// ---- Your part. ----

/**
 * A mutex in one 32-bit word of shared memory (words[index]): 0 means unlocked, anything else locked.
 * Any thread that can see the same SharedArrayBuffer can build one over the same word and use it.
 */
export class AtomicsMutex {
  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
  ) {}

  /** Takes the lock if it is free, in one atomic step; never waits. */
  tryLock(): boolean {
    throw new Error('TODO step 3: take the lock only if it is free, in one atomic step');
  }

  /** Worker threads: takes the lock, sleeping in Atomics.wait (no CPU) while someone else holds it. */
  lock(): void {
    throw new Error('TODO step 3: take the lock, sleeping while it is held');
  }

  /** The main thread: takes the lock, waiting with Atomics.waitAsync so the event loop keeps running. */
  async lockAsync(): Promise<void> {
    throw new Error('TODO step 3: take the lock without ever blocking the main thread');
  }

  /** Frees the lock and wakes one thread waiting for it, if any. */
  unlock(): void {
    throw new Error('TODO step 3: free the lock and wake a waiter');
  }
}

/** A fixed-capacity vector of int32 in a SharedArrayBuffer, safe to push to from many threads. */
export class SharedVec {
  readonly words: Int32Array;
  readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.capacity = this.words.length - SLOTS;
  }

  static create(capacity: number): SharedVec {
    return new SharedVec(new SharedArrayBuffer((SLOTS + capacity) * Int32Array.BYTES_PER_ELEMENT));
  }

  /**
   * Worker threads only. Read the length, write the value into that slot, call pause(), write
   * length + 1; throw a RangeError when full. Nobody else may push in between.
   */
  push(value: number): void {
    throw new Error('TODO step 3: append the value under the lock word words[LOCK]');
  }

  /** The main thread: a consistent copy of the contents, taken under the lock without blocking. */
  async snapshot(): Promise<number[]> {
    throw new Error('TODO step 3: copy the contents while holding the lock (lockAsync)');
  }
}

/**
 * Starts `threads` worker threads (a piscina pool on shared-vec.worker.ts) that each push `perThread`
 * values (valueFor(thread, i), i = 0, 1, ...) into one SharedVec, all at once through a StartGate;
 * resolves with its contents, and leaves no thread running.
 */
export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  throw new Error('TODO step 3: run the pushing threads and collect the vector');
}

/** One worker's share of the pushing. */
export interface FillTask {
  buffer: SharedArrayBuffer;
  gate: Int32Array;
  thread: number;
  count: number;
}
