// Where, over time, the event loop could not run anything: a fast ticker that keeps every gap longer
// than a threshold as an interval. `startEventLoopProbe` (event-loop.ts), built on this ticker, answers "how long was the
// longest freeze"; this one draws *when* the freezes happened, beside what was going on meanwhile.
import { ms } from '../words/explain.ts';
import type { Interval } from './timeline.ts';

export interface LoopGaps {
  /** Every gap longer than the threshold, as an interval (ms since the watch began). */
  gaps: Interval[];
  /** The largest gap between two ticks, the one still open when the watch stopped included. */
  maxGapMs: number;
  /** How many times the ticker ran. */
  ticks: number;
  elapsedMs: number;
  thresholdMs: number;
}

export interface LoopGapWatch {
  stop(): LoopGaps;
}

export function watchLoopGaps(options: { thresholdMs?: number; intervalMs?: number } = {}): LoopGapWatch {
  const { thresholdMs = 10, intervalMs = 2 } = options;
  const origin = performance.now();
  let last = origin;
  let maxGap = 0;
  let ticks = 0;
  const gaps: Interval[] = [];
  const record = (now: number) => {
    const gap = now - last;
    maxGap = Math.max(maxGap, gap);
    if (gap > thresholdMs) gaps.push({ label: 'event loop', start: last - origin, end: now - origin });
    last = now;
  };
  const ticker = setInterval(() => {
    ticks++;
    record(performance.now());
  }, intervalMs);
  return {
    stop() {
      const now = performance.now();
      clearInterval(ticker);
      // The gap still open when the watch stops is often the very block it exists to find.
      record(now);
      return { gaps, maxGapMs: maxGap, ticks, elapsedMs: now - origin, thresholdMs };
    },
  };
}

/** One row: `█` where the event loop was frozen for longer than the threshold, `·` where it ran. */
export function drawLoopGaps(report: LoopGaps, width = 50): string {
  const span = Math.max(1, report.elapsedMs);
  let bar = '';
  for (let cell = 0; cell < width; cell++) {
    const from = (cell / width) * span;
    const to = ((cell + 1) / width) * span;
    bar += report.gaps.some((gap) => gap.start < to && (gap.end ?? span) > from) ? '█' : '·';
  }
  const frozen = report.gaps.reduce((sum, gap) => sum + ((gap.end ?? span) - gap.start), 0);
  const summary =
    report.gaps.length === 0
      ? `never frozen for more than ${ms(report.thresholdMs)}`
      : `${report.gaps.length} freeze${report.gaps.length > 1 ? 's' : ''} over ${ms(report.thresholdMs)}, the longest ${ms(report.maxGapMs)}, ${ms(frozen)} in all`;
  return `  event loop |${bar}| 0-${Math.round(span)} ms: ${summary}`;
}
