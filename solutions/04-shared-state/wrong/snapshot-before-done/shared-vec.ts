/// <reference lib="es2024.sharedmemory" />
// Reference solution for exercise 04, step 3: one vector in shared memory, many threads, one real mutex.
import { Piscina } from 'piscina';

// ---- Given: the memory layout, the start gate and the pause (the learner does not write these). ----

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

// ---- The learner's part. ----

// The lock word: 0 free, 1 locked, 2 locked and someone may be asleep waiting for it.
const FREE = 0;
const LOCKED = 1;
const CONTENDED = 2;

/** A mutex in one 32-bit word of shared memory: 0 means unlocked, anything else locked. */
export class AtomicsMutex {
  constructor(
    protected readonly words: Int32Array,
    protected readonly index: number,
  ) {}

  /** Takes the lock if it is free, in one atomic step; never waits. */
  tryLock(): boolean {
    return Atomics.compareExchange(this.words, this.index, FREE, LOCKED) === FREE;
  }

  /** Worker threads: takes the lock, sleeping in Atomics.wait (no CPU) while someone else holds it. */
  lock(): void {
    if (this.tryLock()) return;
    // Mark the lock contended so the holder knows to wake us, and sleep while it stays that way.
    // exchange() is the atomic step: whoever swaps out FREE owns the lock.
    while (Atomics.exchange(this.words, this.index, CONTENDED) !== FREE) {
      Atomics.wait(this.words, this.index, CONTENDED);
    }
  }

  /** The main thread: the same protocol, but the sleep is Atomics.waitAsync, so the event loop keeps running. */
  async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, CONTENDED) !== FREE) {
      const result = Atomics.waitAsync(this.words, this.index, CONTENDED);
      if (result.async) await result.value;
    }
  }

  /** Frees the lock and, if anyone may be waiting, wakes one of them. */
  unlock(): void {
    if (Atomics.exchange(this.words, this.index, FREE) === CONTENDED) Atomics.notify(this.words, this.index, 1);
  }
}

/** A fixed-capacity vector of int32 in a SharedArrayBuffer, safe to push to from many threads. */
export class SharedVec {
  readonly words: Int32Array;
  readonly capacity: number;
  private readonly mutex: AtomicsMutex;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.capacity = this.words.length - SLOTS;
    this.mutex = this.createMutex(this.words, LOCK);
  }

  static create(capacity: number): SharedVec {
    return new this(new SharedArrayBuffer((SLOTS + capacity) * Int32Array.BYTES_PER_ELEMENT));
  }

  /** The lock guarding words[LOCK]. A hook: a known-wrong variant brings its own kind of mutex. */
  protected createMutex(words: Int32Array, index: number): AtomicsMutex {
    return new AtomicsMutex(words, index);
  }

  /** Worker threads only. Read the length, write the slot, pause(), write length + 1: all under the lock. */
  push(value: number): void {
    this.mutex.lock();
    try {
      this.append(value);
    } finally {
      this.mutex.unlock();
    }
  }

  /** The critical section of push(): the caller must hold the lock. */
  protected append(value: number): void {
    const length = this.words[LENGTH]!;
    if (length >= this.capacity) throw new RangeError(`SharedVec is full (capacity ${this.capacity})`);
    this.words[SLOTS + length] = value;
    pause();
    this.words[LENGTH] = length + 1;
  }

  /** The main thread: a consistent copy of the contents, taken under the lock without blocking. */
  async snapshot(): Promise<number[]> {
    await this.mutex.lockAsync();
    try {
      return Array.from(this.words.subarray(SLOTS, SLOTS + this.words[LENGTH]!));
    } finally {
      this.mutex.unlock();
    }
  }
}

/**
 * Starts `threads` worker threads (shared-vec.worker.ts) that each push `perThread` values
 * (valueFor(thread, i), i = 0, 1, ...) into one SharedVec, all at once; resolves with its contents.
 */
export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}

/**
 * fillFromThreads() for a given SharedVec class and the worker file that builds it: a known-wrong
 * variant passes its own (its worker must import the variant's SharedVec).
 */
export async function fillFromThreadsWith(
  Vec: typeof SharedVec,
  workerFile: URL,
  threads: number,
  perThread: number,
): Promise<number[]> {
  const vec = Vec.create(threads * perThread);
  const gate = new StartGate();
  const pool = new Piscina({
    filename: workerFile.href,
    minThreads: threads,
    maxThreads: threads,
  });
  const runs = Array.from({ length: threads }, (_, thread) =>
    pool.run({ buffer: vec.buffer, gate: gate.cells, thread, count: perThread } satisfies FillTask),
  );
  try {
    // If a worker fails before the gate opens, stop waiting for it to arrive.
    await Promise.race([gate.open(threads), Promise.all(runs)]);
    // The threads are pushing now: take the contents under the lock.
    return await vec.snapshot();
  } finally {
    // Every thread's task has settled before the pool goes: destroying it under a running task races
    // with that task's answer.
    await Promise.allSettled(runs);
    await pool.destroy();
  }
}

/** One worker's share of the pushing. */
export interface FillTask {
  buffer: SharedArrayBuffer;
  gate: Int32Array;
  thread: number;
  count: number;
}
