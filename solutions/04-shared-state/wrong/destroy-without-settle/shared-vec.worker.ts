// Reference solution for exercise 04, step 3: one thread's pushes (the article's `vec.push(4)`).
import { SharedVec, StartGate, valueFor, type FillTask } from './shared-vec.ts';

export default function fill(task: FillTask): void {
  fillInto(new SharedVec(task.buffer), task);
}

/** The pushing itself, into a given vector (a known-wrong variant's worker passes its own SharedVec). */
export function fillInto(vec: SharedVec, task: FillTask): void {
  StartGate.arriveAndWait(task.gate);
  for (let i = 0; i < task.count; i++) vec.push(valueFor(task.thread, i));
}
