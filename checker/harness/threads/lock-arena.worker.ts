// The worker side of the lock arena (lock-arena.ts): builds the lock from the module under test and
// runs its party's rounds: lock(), enter, hold (asleep, holding the lock), exit, unlock(); every other
// round asks again at once, then pauses. Loaded by piscina through `require` (tsx's hook on Node 20).
import { createRequire } from 'node:module';
import { LockArena, type ContenderTask } from './lock-arena.ts';

const requireModule = createRequire(import.meta.url);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleep(ms: number): void {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) Atomics.wait(sleepCell, 0, 0, left);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export default function contend(task: ContenderTask | { warmUp: string }): { error?: string } {
  if ('warmUp' in task) return {};
  const loaded = requireModule(task.module) as Record<string, unknown>;
  const Class = loaded[task.exportName];
  if (typeof Class !== 'function') return { error: `${task.module} has no export "${task.exportName}"` };
  const lock = new (Class as new (...args: unknown[]) => Record<string, (...args: unknown[]) => unknown>)(...task.args);
  const arena = new LockArena(task.arena);
  const lockMethod = task.lockMethod ?? 'lock';
  const unlockMethod = task.unlockMethod ?? 'unlock';
  let calling = lockMethod;
  try {
    for (let round = 0; round < task.rounds && !arena.stopped; round++) {
      arena.ask(task.party);
      calling = lockMethod;
      lock[lockMethod]!();
      arena.enter(task.party);
      sleep(task.holdMs);
      arena.exit(task.party);
      calling = unlockMethod;
      lock[unlockMethod]!();
      // Three rounds in four ask again at once, as a loop does: the moment a waiter that takes its
      // wake-up for the lock walks in beside this thread.
      if (round % 4 === 3) sleep(task.gapMs);
    }
  } catch (error) {
    return { error: `${calling}() threw: ${describe(error)}` };
  }
  arena.done(task.party);
  return {};
}
