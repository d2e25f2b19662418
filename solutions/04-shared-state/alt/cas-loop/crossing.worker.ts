// Correct alternative: a lock-free increment. Read the counter, and write value + 1 only if it still
// holds what was read (Atomics.compareExchange); if another thread got in between, try again.
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import reference from '../../crossing.worker.ts';

function increment(counter: Int32Array): void {
  for (;;) {
    const seen = Atomics.load(counter, 0);
    if (Atomics.compareExchange(counter, 0, seen, seen + 1) === seen) return;
  }
}

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind !== 'add') return reference(task);
  for (let i = 0; i < task.times; i++) increment(task.counter);
  return undefined;
}
