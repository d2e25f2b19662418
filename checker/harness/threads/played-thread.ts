// A real worker thread that a test plays in lockstep with its own: "just before unlock()'s 2nd Atomics call,
// another thread runs lock() until it would go to sleep". The other thread's object (say, an AtomicsMutex over
// a shared word) is built and called on a worker, so code that asks which thread it runs on (isMainThread,
// threadId, parentPort) sees a worker, as it would in production. The test's thread blocks until the call
// is done (milliseconds): nothing runs on either side meanwhile, so the schedule is the same every run.
//
//   const played = await PlayedThread.start();
//   const other = await played.open({ module: redirect(path), exportName: 'AtomicsMutex', args: [words, 0], word: [words, 0], calls: ['lock'] });
//   const outcome = other.call('lock'); // synchronous: { kind: 'asleep', value: 2, napMs: undefined, ... }
//   await other.end();
//   await played.close();
//
// On the played thread, every Atomics call on the watched word is counted; an Atomics.wait on it that would
// sleep (the word holds the value it waits on) is where the call stops: the thread is "asleep", and the test
// decides what wakes it. Real timers only.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { tsxExecArgv } from './parallel.ts';

/** What the played thread's call did. `word` is what the watched word read when it stopped. */
export type PlayOutcome =
  | { kind: 'returned'; word: number; calls: number }
  /** It called Atomics.wait(word, value, napMs) while the word held `value`: it went to sleep there. */
  | { kind: 'asleep'; value: number; napMs: number | undefined; word: number; calls: number }
  /** More than `callLimit` Atomics calls on the word without sleeping. */
  | { kind: 'spun'; word: number; calls: number }
  | { kind: 'threw'; error: string; word: number; calls: number }
  /** The played thread did not answer within the time limit (a loop with no Atomics call on the word?). */
  | { kind: 'stuck'; afterMs: number };

export interface PlayRequest {
  /** Absolute path of the module to load on the played thread, already redirected to the current target. */
  module: string;
  /** The class to construct from that module, on the played thread. */
  exportName: string;
  /** Constructor arguments (typed arrays on a SharedArrayBuffer stay shared). */
  args: unknown[];
  /** The watched word: an Int32Array over shared memory and an index in it. */
  word: [Int32Array, number];
  /** The methods the test may call, by name. */
  calls: string[];
  /** Atomics calls on the word after which a call counts as spinning. */
  callLimit?: number;
}

/** The cells both threads share: [state, command, kind, value, word, calls, threadId, textLength], napMs, text. */
export interface PlayCells {
  control: Int32Array;
  nap: Float64Array;
  text: Uint16Array;
}

// control[STATE]: where the session is. The worker sleeps while it is READY or DONE; the test's thread while it is POSTED.
export const STATE = 0;
export const COMMAND = 1;
export const KIND = 2;
export const VALUE = 3;
export const WORD = 4;
export const CALLS = 5;
export const THREAD = 6;
export const TEXT_LENGTH = 7;
export const STARTING = 0;
export const READY = 1;
export const POSTED = 2;
export const DONE = 3;
export const END = 4;
export const FAILED = 5;
export const KINDS = ['returned', 'asleep', 'spun', 'threw'] as const;
export const TEXT_CAPACITY = 2_000;

// Captured now: a test may patch Atomics on its own thread while it plays the other one.
const { load, store, notify, wait } = Atomics;
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } }).waitAsync.bind(Atomics);

function readText(cells: PlayCells): string {
  const length = Math.min(load(cells.control, TEXT_LENGTH), TEXT_CAPACITY);
  return String.fromCharCode(...cells.text.subarray(0, length));
}

export class PlaySession {
  private ended = false;

  constructor(
    private readonly cells: PlayCells,
    private readonly calls: readonly string[],
    private readonly task: Promise<unknown>,
    private readonly abort: AbortController,
    /** The played thread's threadId. */
    readonly threadId: number,
  ) {}

  /**
   * Runs `method` on the played thread and blocks this thread until it returned, threw, fell asleep on the
   * watched word or spun (`timeoutMs` at most: then 'stuck', and the thread is terminated by `end()`).
   */
  call(method: string, timeoutMs = 5_000): PlayOutcome {
    const index = this.calls.indexOf(method);
    if (index < 0) throw new Error(`PlaySession.call: ${method} was not named in calls when the session was opened`);
    if (this.ended || load(this.cells.control, STATE) === FAILED) throw new Error('PlaySession.call: the session has ended');
    const { control } = this.cells;
    store(control, COMMAND, index);
    store(control, STATE, POSTED);
    notify(control, STATE);
    const started = performance.now();
    while (load(control, STATE) === POSTED) {
      const left = timeoutMs - (performance.now() - started);
      if (left <= 0) {
        this.abort.abort();
        this.ended = true;
        return { kind: 'stuck', afterMs: performance.now() - started };
      }
      wait(control, STATE, POSTED, left);
    }
    const kind = KINDS[load(control, KIND)] ?? 'threw';
    const word = load(control, WORD);
    const calls = load(control, CALLS);
    if (kind === 'returned') return { kind, word, calls };
    if (kind === 'spun') return { kind, word, calls };
    if (kind === 'threw') return { kind, error: readText(this.cells), word, calls };
    const nap = this.cells.nap[0]!;
    return { kind, value: load(control, VALUE), napMs: Number.isNaN(nap) ? undefined : nap, word, calls };
  }

  /** Lets the played thread go (terminates it if a call got stuck) and waits until it has. */
  async end(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      store(this.cells.control, STATE, END);
      notify(this.cells.control, STATE);
    }
    await this.task.catch(() => undefined);
  }
}

/** Nothing to play: the class the warm-up builds. */
export class Idle {}

export class PlayedThread {
  private constructor(private readonly pool: Piscina) {}

  static async start(): Promise<PlayedThread> {
    const execArgv = tsxExecArgv();
    const pool = new Piscina({
      filename: new URL('./played-thread.worker.ts', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: 60_000,
      ...(execArgv ? { execArgv } : {}),
    });
    const played = new PlayedThread(pool);
    // Warm up (a cold TypeScript worker takes ~200 ms): a session on a module that has the class, ended at once.
    const warm = await played.open({
      module: fileURLToPath(new URL('./played-thread.ts', import.meta.url)),
      exportName: 'Idle',
      args: [],
      word: [new Int32Array(new SharedArrayBuffer(4)), 0],
      calls: [],
    });
    await warm.end();
    return played;
  }

  /** Builds the object on the played thread; resolves once it waits for calls. Rejects when building it failed. */
  async open(request: PlayRequest, timeoutMs = 5_000): Promise<PlaySession> {
    const cells: PlayCells = {
      control: new Int32Array(new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT)),
      nap: new Float64Array(new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT)),
      text: new Uint16Array(new SharedArrayBuffer(TEXT_CAPACITY * Uint16Array.BYTES_PER_ELEMENT)),
    };
    const abort = new AbortController();
    const task = this.pool.run({ ...request, cells }, { signal: abort.signal }) as Promise<unknown>;
    let settled = false;
    task.then(
      () => (settled = true),
      () => (settled = true),
    );
    const deadline = performance.now() + timeoutMs;
    for (let state = load(cells.control, STATE); state === STARTING && !settled; state = load(cells.control, STATE)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        abort.abort();
        await task.catch(() => undefined);
        throw new Error(`PlayedThread.open: the played thread did not build ${request.exportName} within ${timeoutMs} ms`);
      }
      const result = waitAsync(cells.control, STATE, STARTING, Math.min(left, 50));
      if (result.async) await (result.value as Promise<unknown>);
    }
    const state = load(cells.control, STATE);
    if (state === FAILED) {
      await task.catch(() => undefined);
      throw new Error(readText(cells));
    }
    if (state !== READY) {
      const error = await task.then(
        () => 'it ended before it was ready',
        (reason: unknown) => (reason instanceof Error ? reason.message : String(reason)),
      );
      throw new Error(`PlayedThread.open: ${error}`);
    }
    return new PlaySession(cells, request.calls, task, abort, load(cells.control, THREAD));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
