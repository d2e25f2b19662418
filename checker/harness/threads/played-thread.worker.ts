// The worker side of PlayedThread (played-thread.ts): builds the object, then waits (Atomics.wait: this is a
// worker) for the test's calls, and runs each one with the watched word's Atomics calls counted and its sleep
// turned into a stop. Loaded by piscina through `require`, which is how tsx loads TypeScript in workers on Node 20.
import { createRequire } from 'node:module';
import { threadId } from 'node:worker_threads';
import {
  CALLS,
  COMMAND,
  DONE,
  END,
  FAILED,
  KIND,
  KINDS,
  POSTED,
  READY,
  STATE,
  TEXT_CAPACITY,
  TEXT_LENGTH,
  THREAD,
  VALUE,
  WORD,
  type PlayCells,
  type PlayRequest,
} from './played-thread.ts';

const requireModule = createRequire(import.meta.url);
const original = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
const NAMES = ['load', 'store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor', 'notify', 'wait', 'waitAsync'];
const { load, store, notify, wait } = Atomics;
// How long the thread waits for the test's next call before it gives up on a test that forgot it.
const IDLE_LIMIT_MS = 30_000;

class Stop extends Error {
  constructor(readonly kind: 'asleep' | 'spun') {
    super(kind);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function writeText(cells: PlayCells, text: string): void {
  const length = Math.min(text.length, TEXT_CAPACITY);
  for (let i = 0; i < length; i++) cells.text[i] = text.charCodeAt(i);
  store(cells.control, TEXT_LENGTH, length);
}

export default function play(request: PlayRequest & { cells: PlayCells }): void {
  const { cells } = request;
  const { control } = cells;
  const [words, index] = request.word;
  const limit = request.callLimit ?? 1_000;
  let target: Record<string, unknown>;
  try {
    const loaded = requireModule(request.module) as Record<string, unknown>;
    const Class = loaded[request.exportName];
    if (typeof Class !== 'function') throw new Error(`${request.module} has no export "${request.exportName}"`);
    target = new (Class as new (...args: unknown[]) => Record<string, unknown>)(...request.args);
  } catch (error) {
    writeText(cells, `building ${request.exportName} on another thread failed: ${describe(error)}`);
    store(control, STATE, FAILED);
    notify(control, STATE);
    return;
  }
  store(control, THREAD, threadId);
  store(control, STATE, READY);
  notify(control, STATE);
  // The same word, whatever view of the buffer the code uses.
  const at = words.byteOffset + index * Int32Array.BYTES_PER_ELEMENT;
  const onWord = (args: unknown[]) =>
    args[0] instanceof Int32Array && args[0].buffer === words.buffer && args[0].byteOffset + Number(args[1]) * Int32Array.BYTES_PER_ELEMENT === at;
  for (;;) {
    const state = load(control, STATE);
    if (state === END) return;
    if (state !== POSTED) {
      if (wait(control, STATE, state, IDLE_LIMIT_MS) === 'timed-out') return;
      continue;
    }
    const method = target[request.calls[load(control, COMMAND)] ?? ''];
    let calls = 0;
    let kind: (typeof KINDS)[number] = 'returned';
    cells.nap[0] = NaN;
    const saved = new Map(NAMES.map((name) => [name, original[name]!]));
    for (const name of NAMES) {
      const real = saved.get(name)!;
      original[name] = (...args: unknown[]) => {
        if (!onWord(args)) return real(...args);
        if (++calls > limit) throw new Stop('spun');
        if (name === 'wait') {
          if (load(words, index) !== args[2]) return 'not-equal';
          store(control, VALUE, Number(args[2]));
          cells.nap[0] = args[3] === undefined || Number(args[3]) === Infinity ? NaN : Number(args[3]);
          throw new Stop('asleep');
        }
        return real(...args);
      };
    }
    try {
      if (typeof method !== 'function') throw new TypeError(`the object has no method ${request.calls[load(control, COMMAND)]}()`);
      (method as () => unknown).call(target);
    } catch (error) {
      if (error instanceof Stop) kind = error.kind;
      else {
        kind = 'threw';
        writeText(cells, describe(error));
      }
    } finally {
      for (const [name, real] of saved) original[name] = real;
    }
    store(control, KIND, KINDS.indexOf(kind));
    store(control, WORD, load(words, index));
    store(control, CALLS, calls);
    store(control, STATE, DONE);
    notify(control, STATE);
  }
}
