// Copy of the reference worker, so that it loads this variant's shared-vec.ts.
import { SharedVec, StartGate, valueFor, type FillTask } from './shared-vec.ts';

export default function fill(task: FillTask): void {
  const vec = new SharedVec(task.buffer);
  StartGate.arriveAndWait(task.gate);
  for (let i = 0; i < task.count; i++) vec.push(valueFor(task.thread, i));
}
