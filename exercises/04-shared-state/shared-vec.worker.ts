// Exercise 04, step 3: the worker side. Piscina calls the default export once per thread, with that
// thread's FillTask: build a SharedVec over task.buffer, wait at the start gate
// (StartGate.arriveAndWait(task.gate)), then push valueFor(task.thread, i) for i = 0 .. task.count - 1.
import type { FillTask } from './shared-vec.ts';

export default function fill(task: FillTask): void {
  throw new Error(`TODO step 3: push thread ${task.thread}'s values into the shared vector`);
}
