// Watches every worker thread and every MessageChannel the code under test creates (directly, through
// piscina, or through startWorker), so a test can say "your pipeline finished but 2 worker threads were
// still running, started at pipeline.ts:31" instead of hanging the run, in the style of why-is-node-running.
// It swaps `worker_threads.Worker` and `MessageChannel` for subclasses that record themselves (and where
// they were created); `syncBuiltinESMExports` makes ESM importers (`import { Worker } from
// 'node:worker_threads'`) see the swap too.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import { stackFrames } from '../words/stack-frames.ts';
import { WORKER_ENTRY } from './ts-worker.ts';
import { HARNESS_DIR, KATA_ROOT } from '../where.ts';

const require = createRequire(import.meta.url);

export interface WatchedWorker {
  /** Its thread id, kept after it exits (Node's own reads -1 then). */
  readonly threadId: number;
  /** Its place in the watch: 0 for the first worker started since the watch began. */
  readonly index: number;
  /** True once the thread has exited (its 'exit' event fired). */
  readonly exited: boolean;
  readonly exitCode: number | undefined;
  /** True once something called its terminate(): it is on its way out, whether or not anyone waits for that. */
  readonly endRequested: boolean;
  /** The error the thread ended with (its 'error' event), if it failed: what its file threw, or why it could not be loaded. */
  readonly error: Error | undefined;
  /** The file the thread runs ("piscina" for a pool's thread), for messages. */
  readonly entry: string;
  /** Where the code under test created it (`file:line`), or how it came to be. */
  readonly createdAt: string;
}

export interface WatchedPort {
  /** Where the MessageChannel was created (`file:line`). */
  readonly createdAt: string;
  /** True once the port was closed (by either side). */
  readonly closed: boolean;
  /** Open and ref'd: it keeps the process alive. */
  readonly keepsAlive: boolean;
}

export interface WorkerWatch {
  /** Every worker started since the watch began, in start order. */
  readonly workers: readonly WatchedWorker[];
  /** Both ports of every MessageChannel created since the watch began. */
  readonly ports: readonly WatchedPort[];
  /** How many of the workers are still running. */
  running(): number;
  /**
   * The threads a close() or shutdown that starts now has to end: the ones running now that nobody has
   * asked to end yet, and every one started from now on (a thread started while close() waits, in place
   * of one that died, is close()'s to end too), except those `exclude` names (the harness's own, another
   * object's). Ask at the instant that close() resolves: a close() that waited for its threads leaves
   * none running (piscina's close() and destroy() settle after their threads' exits).
   */
  toEnd(exclude?: (thread: WatchedWorker) => boolean): ThreadsToEnd;
  /** Waits (real time) until every watched worker has exited; resolves with how many are still running. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** What is still holding on: running workers and ports that keep the process alive, one line each. */
  leaks(): string[];
  /**
   * Terminates the workers still running: the clean-up a failing test does so it does not hang the run.
   * Their owners' 'exit' listeners are removed first, so a pool (or code that restarts a worker that
   * died) does not start replacements behind the test's back. Ports left open are closed too.
   */
  terminateAll(): Promise<void>;
  /** Puts the original classes back. Safe to call twice. */
  restore(): void;
}

/** What `toEnd()` counts, live: read it at the instant a close() settles. */
export interface ThreadsToEnd {
  /** How many threads there were to end, so far. */
  readonly count: number;
  /** How many of them are still running. */
  running(): number;
  /** Their thread ids. */
  runningIds(): number[];
}

interface WorkerRecord {
  worker: WorkerThreads.Worker;
  threadId: number;
  exited: boolean;
  exitCode: number | undefined;
  endRequested: boolean;
  error: Error | undefined;
  entry: string;
  createdAt: string;
}

interface PortRecord {
  port: WorkerThreads.MessagePort;
  closed: boolean;
  createdAt: string;
}

let active: WorkerWatch | undefined;

export function watchWorkers(): WorkerWatch {
  if (active) throw new Error('watchWorkers: a watch is already active; restore() it first.');
  const module = require('node:worker_threads') as { Worker: typeof WorkerThreads.Worker; MessageChannel: typeof WorkerThreads.MessageChannel };
  const Original = module.Worker;
  const OriginalChannel = module.MessageChannel;
  const globalChannel = globalThis.MessageChannel;
  const workerRecords: WorkerRecord[] = [];
  const portRecords: PortRecord[] = [];
  const exitWaiters = new Set<() => void>();

  const onExit = (record: WorkerRecord) => (code: number) => {
    record.exited = true;
    record.exitCode = code;
    for (const wake of exitWaiters) wake();
  };

  class WatchedWorkerClass extends Original {
    readonly #record: WorkerRecord;

    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      const entry = describeEntry(args[0], args[1]);
      const record: WorkerRecord = {
        worker: this,
        threadId: this.threadId,
        exited: false,
        exitCode: undefined,
        endRequested: false,
        error: undefined,
        entry,
        createdAt: creationSite(stackHere(), entry === 'piscina' ? 'by a piscina pool on its own (replacing a thread that ended)' : 'from a library callback'),
      };
      workerRecords.push(record);
      this.#record = record;
      this.once('exit', onExit(record));
    }

    override terminate(): Promise<number> {
      this.#record.endRequested = true;
      return super.terminate();
    }

    // Seen through emit, not a listener of our own: an 'error' nobody listens for must still throw as it would.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error' && args[0] instanceof Error) this.#record.error ??= args[0];
      return super.emit(event, ...args);
    }
  }

  class WatchedChannel extends OriginalChannel {
    constructor() {
      super();
      const createdAt = creationSite(stackHere(), 'inside a library');
      for (const port of [this.port1, this.port2]) {
        const record: PortRecord = { port, closed: false, createdAt };
        portRecords.push(record);
        port.once('close', () => (record.closed = true));
      }
    }
  }

  module.Worker = WatchedWorkerClass;
  module.MessageChannel = WatchedChannel;
  globalThis.MessageChannel = WatchedChannel;
  syncBuiltinESMExports();
  let restored = false;
  const running = () => workerRecords.filter((record) => !record.exited).length;
  const keepsAlive = (record: PortRecord) => !record.closed && hasRef(record.port);
  const view = (record: WorkerRecord, index: number): WatchedWorker => ({
    threadId: record.threadId,
    index,
    exited: record.exited,
    exitCode: record.exitCode,
    endRequested: record.endRequested,
    error: record.error,
    entry: entryOf(record),
    createdAt: record.createdAt,
  });

  const watch: WorkerWatch = {
    get workers() {
      return workerRecords.map(view);
    },
    get ports() {
      return portRecords.map((record) => ({ createdAt: record.createdAt, closed: record.closed, keepsAlive: keepsAlive(record) }));
    },
    running,
    toEnd(exclude = () => false) {
      const mark = workerRecords.length;
      const now = workerRecords.filter((record) => !record.exited && !record.endRequested);
      const ours = () => [...now, ...workerRecords.slice(mark)].filter((record) => !exclude(view(record, workerRecords.indexOf(record))));
      const running = () => ours().filter((record) => !record.exited);
      return {
        get count() {
          return ours().length;
        },
        running: () => running().length,
        runningIds: () => running().map((record) => record.threadId),
      };
    },
    async waitForExit(timeoutMs = 2_000) {
      if (running() === 0) return 0;
      await new Promise<void>((resolve) => {
        const done = () => {
          if (running() > 0) return;
          clearTimeout(timer);
          exitWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          exitWaiters.delete(done);
          resolve();
        }, timeoutMs);
        exitWaiters.add(done);
      });
      return running();
    },
    leaks() {
      const workers = workerRecords
        .filter((record) => !record.exited)
        .map((record) => `worker thread ${record.worker.threadId} (${entryOf(record)}), still running, created ${record.createdAt}`);
      const ports = portRecords.filter(keepsAlive).map((record) => `MessagePort, still open (it keeps the process alive), created ${record.createdAt}`);
      return [...workers, ...ports];
    },
    async terminateAll() {
      const left = workerRecords.filter((record) => !record.exited);
      for (const record of left) {
        // The owner's exit listeners (a pool replacing its threads) must not hear this exit.
        record.worker.removeAllListeners('exit');
        record.worker.once('exit', onExit(record));
      }
      await Promise.all(left.map((record) => record.worker.terminate()));
      for (const record of portRecords.filter(keepsAlive)) record.port.close();
    },
    restore() {
      if (restored) return;
      restored = true;
      module.Worker = Original;
      module.MessageChannel = OriginalChannel;
      globalThis.MessageChannel = globalChannel;
      syncBuiltinESMExports();
      active = undefined;
    },
  };
  active = watch;
  return watch;
}

/** A stack deep enough to get past a pool's own frames. */
function stackHere(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  return stack;
}

function hasRef(port: WorkerThreads.MessagePort): boolean {
  const withRef = port as WorkerThreads.MessagePort & { hasRef?: () => boolean };
  return withRef.hasRef?.() ?? true;
}

function entryOf(record: WorkerRecord): string {
  // startWorker marks its workers after construction with the file they really run.
  const marked = (record.worker as unknown as Record<symbol, unknown>)[WORKER_ENTRY];
  return typeof marked === 'string' ? shortPath(marked) : record.entry;
}

function describeEntry(file: unknown, options: unknown): string {
  if ((options as { eval?: boolean } | undefined)?.eval) return 'code given as a string';
  const text = file instanceof URL ? file.href : String(file);
  if (/[\\/]piscina[\\/]dist[\\/]worker\.js$/.test(text)) return 'piscina';
  return shortPath(text);
}

function shortPath(file: string): string {
  const absolute = file.startsWith('file:') ? fileURLToPath(file) : file;
  const root = KATA_ROOT;
  return absolute.startsWith(root) ? path.relative(root, absolute).split(path.sep).join('/') : absolute;
}

/**
 * The first stack frame in the kata's own files, outside the harness and node_modules: where the code
 * under test made the call. `otherwise` when there is none (created from a library's own callback).
 */
function creationSite(stack: string | undefined, otherwise: string): string {
  const root = KATA_ROOT;
  for (const { file, line } of stackFrames(stack)) {
    if (!file.startsWith(root) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    // The harness's own modules (this watch, startWorker) are not the caller; its tests are. An
    // exercise's tests are not either: a thread made under a test's call (an abort that makes a pool
    // replace its thread) was made by the code under test.
    if (file.startsWith(HARNESS_DIR) ? !file.endsWith('.test.ts') : file.endsWith('.test.ts')) continue;
    return `at ${path.relative(root, file).split(path.sep).join('/')}:${line}`;
  }
  return otherwise;
}
