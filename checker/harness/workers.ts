// Watches every worker thread the code under test starts (directly, or through piscina), so a test can
// say "your pipeline finished but 2 worker threads were still running" instead of hanging the run.
// It swaps `worker_threads.Worker` for a subclass that records itself, and `syncBuiltinESMExports`
// makes ESM importers (`import { Worker } from 'node:worker_threads'`) see the swap too.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);

export interface WatchedWorker {
  readonly threadId: number;
  /** True once the thread has exited (its 'exit' event fired). */
  readonly exited: boolean;
  readonly exitCode: number | undefined;
}

export interface WorkerWatch {
  /** Every worker started since the watch began, in start order. */
  readonly workers: readonly WatchedWorker[];
  /** How many of them are still running. */
  running(): number;
  /** Waits (real time) until every watched worker has exited; resolves with how many are still running. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** Terminates the ones still running: the clean-up a failing test does so it does not hang the run. */
  terminateAll(): Promise<void>;
  /** Puts the original Worker class back. Safe to call twice. */
  restore(): void;
}

let active: WorkerWatch | undefined;

export function watchWorkers(): WorkerWatch {
  if (active) throw new Error('watchWorkers: a watch is already active; restore() it first.');
  const module = require('node:worker_threads') as { Worker: typeof WorkerThreads.Worker };
  const Original = module.Worker;
  const records: { worker: WorkerThreads.Worker; exited: boolean; exitCode: number | undefined }[] = [];
  const exitWaiters = new Set<() => void>();

  class WatchedWorkerClass extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      const record = { worker: this as WorkerThreads.Worker, exited: false, exitCode: undefined as number | undefined };
      records.push(record);
      this.once('exit', (code: number) => {
        record.exited = true;
        record.exitCode = code;
        for (const wake of exitWaiters) wake();
      });
    }
  }

  module.Worker = WatchedWorkerClass;
  syncBuiltinESMExports();
  let restored = false;
  const running = () => records.filter((record) => !record.exited).length;

  const watch: WorkerWatch = {
    get workers() {
      return records.map((record) => ({
        threadId: record.worker.threadId,
        exited: record.exited,
        exitCode: record.exitCode,
      }));
    },
    running,
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
    async terminateAll() {
      await Promise.all(records.filter((record) => !record.exited).map((record) => record.worker.terminate()));
    },
    restore() {
      if (restored) return;
      restored = true;
      module.Worker = Original;
      syncBuiltinESMExports();
      active = undefined;
    },
  };
  active = watch;
  return watch;
}
