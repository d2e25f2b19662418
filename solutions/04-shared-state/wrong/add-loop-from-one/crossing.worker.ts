// Known-wrong: the add loop counts from 1 while i < times: each task adds times - 1, one too few (no race at all).
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import reference from '../../crossing.worker.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind !== 'add') return reference(task);
  for (let i = 1; i < task.times; i++) Atomics.add(task.counter, 0, 1); // the mistake: one addition short
  return undefined;
}
