// Loaded first in every test process the checker starts (the kata project's execArgv). Two jobs, both
// for the main thread only (worker threads inherit these flags: that is how they get tsx's require
// hook; they skip this):
// 1. Speed: vitest's own runtime is imported here, at start-up, so it is already cached when vitest
//    asks for it. If a vitest version moves these entry points, the tests still run, just slower.
// 2. Life signs for the checker's watchdog (checker/running/kata-pool.ts): a heartbeat to the checker while
//    the event loop turns, and a stall monitor thread that records where the main thread was stuck
//    when it stops turning (checker/running/stall-monitor.cjs).
import { Worker, isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const dir = process.env.KATA_BEACON_DIR;
  if (dir) startLifeSigns(dir, Number(process.env.KATA_STALL_MS) || 2_000);
  try {
    await import('vitest/worker');
    await import('vitest');
  } catch {
    // Nothing to do: see above.
  }
}

function startLifeSigns(dir, stallMs) {
  const origin = Date.now();
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const tick = () => {
    Atomics.store(beat, 0, Date.now() - origin);
    if (process.connected) process.send?.({ __kataAlive: true });
  };
  tick();
  setInterval(tick, 200).unref();
  const monitor = new Worker(new URL('./stall-monitor.cjs', import.meta.url), {
    workerData: { beat, origin, dir, stallMs },
    execArgv: [],
    stdout: true,
    stderr: true,
  });
  monitor.unref();
}
