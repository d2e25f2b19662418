// Small measuring helpers for the benchmark: wall time, best and median of a few runs, and the
// shape of one row of the results table.

export interface Row {
  /** Which lesson or part of the kata, e.g. "01 async join". */
  group: string;
  what: string;
  /** The reference solution's number (or the measured value for the kata's own speed). */
  reference: string;
  /** The known-wrong variant's number (or the target for the kata's own speed). */
  wrong: string;
  /** What the numbers show, in a few words; or why the row was skipped. */
  point: string;
}

export async function timeMs(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

export function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

export function perSecond(count: number, elapsedMs: number): string {
  const rate = (count / elapsedMs) * 1000;
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M/s` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)} k/s` : `${rate.toFixed(0)} /s`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

/** A row for a lesson whose reference or variant is not in the tree (yet): say which file is missing. */
export function skipped(group: string, what: string, reason: string): Row {
  return { group, what, reference: '–', wrong: '–', point: `skipped: ${reason}` };
}
