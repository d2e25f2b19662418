// The worker behind `BareThreads`: a fixed amount of `cpuWork`, nothing else. Loaded by piscina.
import { threadId } from 'node:worker_threads';
import { cpuWork } from './cpu.ts';
import { reportWork } from './work-log.ts';

export interface CpuTask {
  units: number;
  seed?: number;
  /** Block this thread for a while before the work (warming up: every thread must get a task). */
  sleepMs?: number;
}

export const CPU_WORK_LABEL = 'cpuWork';

export default function runCpuTask({ units, seed = 1, sleepMs = 0 }: CpuTask): { threadId: number; checksum: number } {
  const end = reportWork(CPU_WORK_LABEL, { units });
  if (sleepMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleepMs);
  const checksum = cpuWork(units, seed);
  end();
  return { threadId, checksum };
}
