// Known-wrong: the shared counter is incremented with `counter[0]++`, a read and then a write.
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import reference from '../../crossing.worker.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind !== 'add') return reference(task);
  for (let i = 0; i < task.times; i++) task.counter[0]!++; // the mistake: two steps, not one
  return undefined;
}
