// Known-wrong: every access is an Atomics call, but the increment is still two steps: an atomic load,
// then an atomic store of that value + 1. Another thread can write in between.
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import reference from '../../crossing.worker.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind !== 'add') return reference(task);
  for (let i = 0; i < task.times; i++) Atomics.store(task.counter, 0, Atomics.load(task.counter, 0) + 1);
  return undefined;
}
