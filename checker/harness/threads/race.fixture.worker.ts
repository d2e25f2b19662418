// A worker file for race.test.ts and gated-pool tests: adds 1 to a shared counter `times` times, the
// wrong way (`plain`: a read, then a write) or the right way (`atomic`: Atomics.add); or answers with a buffer.
import { Piscina } from 'piscina';
export interface CountTask {
  counter: Int32Array;
  times: number;
  mode: 'plain' | 'atomic';
}

/** A task that answers with a fresh buffer, moved back (Piscina.move) or left to be copied. */
export interface BufferTask {
  bytes: number;
  move: boolean;
}

export default function count(task: CountTask | BufferTask): number | Uint8Array {
  if ('bytes' in task) return task.move ? (Piscina.move(new Uint8Array(task.bytes)) as Uint8Array) : new Uint8Array(task.bytes);
  const { counter, times, mode } = task;
  if (mode === 'plain') for (let i = 0; i < times; i++) counter[0]!++;
  else for (let i = 0; i < times; i++) Atomics.add(counter, 0, 1);
  return times;
}
