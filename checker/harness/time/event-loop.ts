// An event-loop responsiveness probe: three views of the same question, "could this thread answer
// anyone while that ran?" A ticker's largest gap (trailing gap included: the block it exists to find
// is often the last thing that happens), monitorEventLoopDelay's max, and event-loop utilisation.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { watchLoopGaps } from './loop-gaps.ts';

export interface EventLoopReport {
  /** Largest gap between ticks, including the one still open when the probe stopped. */
  maxGapMs: number;
  ticks: number;
  /** monitorEventLoopDelay's max (blind to the first ~15 ms after it starts). */
  delayMaxMs: number;
  /** Share of the time the loop was busy: near 1 when blocked, near 0 when idle. */
  utilization: number;
  elapsedMs: number;
}

export interface EventLoopProbe {
  stop(): EventLoopReport;
}

export function startEventLoopProbe(intervalMs = 5): EventLoopProbe {
  // The ticker is loop-gaps' (no gap kept as an interval: only the largest counts here).
  const ticker = watchLoopGaps({ intervalMs, thresholdMs: Infinity });
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const eluStart = performance.eventLoopUtilization();
  return {
    stop() {
      const { maxGapMs, ticks, elapsedMs } = ticker.stop();
      histogram.disable();
      const elu = performance.eventLoopUtilization(eluStart);
      return { maxGapMs, ticks, delayMaxMs: histogram.max / 1e6, utilization: elu.utilization, elapsedMs };
    },
  };
}

/** Runs `work` while probing the event loop. */
export async function probeWhile<T>(
  work: () => Promise<T> | T,
  intervalMs = 5,
): Promise<{ result: T; report: EventLoopReport }> {
  const probe = startEventLoopProbe(intervalMs);
  // Let the ticker arm before the work starts, so a synchronous block is seen as a gap.
  await new Promise((resolve) => setImmediate(resolve));
  try {
    const result = await work();
    return { result, report: probe.stop() };
  } catch (error) {
    probe.stop();
    throw error;
  }
}
