// Known-wrong: each thread counts on its own and adds its total at the end with a plain `+=`. The two
// threads rarely write at the same instant, so nothing is lost on most runs, but that final `+=` is
// still a read, then a write: the same race, only with a narrower window.
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import reference from '../../crossing.worker.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind !== 'add') return reference(task);
  let mine = 0;
  for (let i = 0; i < task.times; i++) mine++;
  task.counter[0]! += mine; // the mistake: not atomic
  return undefined;
}
