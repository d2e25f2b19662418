// A fixed-size unit of CPU work: the same instructions on every machine (only the time differs),
// with a checksum result so no engine can skip it. Speed-up tests need fixed work, not "spin for N ms".
export const ITERATIONS_PER_UNIT = 100_000;

export function cpuWork(units: number, seed = 1): number {
  let x = seed >>> 0 || 1;
  const total = Math.round(units * ITERATIONS_PER_UNIT);
  for (let i = 0; i < total; i++) {
    // xorshift32: cheap, branch-free, and impossible to constant-fold.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
  }
  return x;
}

/** How many units take about `targetMs` on this machine right now (measured, best of three). */
export function unitsFor(targetMs: number): number {
  const probeUnits = 20;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    cpuWork(probeUnits);
    best = Math.min(best, performance.now() - start);
  }
  return Math.max(1, Math.round((probeUnits * targetMs) / Math.max(best, 0.01)));
}
