// A worker file for race.test.ts and gated-pool tests: adds 1 to a shared counter `times` times, the
// wrong way (`plain`: a read, then a write) or the right way (`atomic`: Atomics.add).
export interface CountTask {
  counter: Int32Array;
  times: number;
  mode: 'plain' | 'atomic';
}

export default function count({ counter, times, mode }: CountTask): number {
  if (mode === 'plain') for (let i = 0; i < times; i++) counter[0]!++;
  else for (let i = 0; i < times; i++) Atomics.add(counter, 0, 1);
  return times;
}
