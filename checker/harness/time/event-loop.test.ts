// Real time, because the probe measures real time. Thresholds sit far from both outcomes: a 300 ms
// block against an idle loop ticking every 5 ms.
import { describe, expect, it } from 'vitest';
import { cpuWork, unitsFor } from '../threads/cpu.ts';
import { probeWhile } from './event-loop.ts';

function blockFor(msToBlock: number): void {
  const end = performance.now() + msToBlock;
  while (performance.now() < end) {
    // Busy: this is the mistake the probe exists to catch.
  }
}

describe('event-loop probe', () => {
  it('sees a synchronous block as one long gap and a busy loop', async () => {
    const { report } = await probeWhile(() => blockFor(300));
    expect(report.maxGapMs).toBeGreaterThanOrEqual(250);
    expect(report.utilization).toBeGreaterThan(0.5);
  });

  it('sees an idle wait as short gaps and a mostly idle loop', async () => {
    const { report } = await probeWhile(() => new Promise((resolve) => setTimeout(resolve, 300)));
    expect(report.maxGapMs).toBeLessThan(150);
    expect(report.ticks).toBeGreaterThan(10);
    expect(report.utilization).toBeLessThan(0.5);
  });

  it('passes the work result through', async () => {
    const { result } = await probeWhile(() => 42);
    expect(result).toBe(42);
  });
});

describe('cpu work', () => {
  it('is deterministic: the same units give the same checksum', () => {
    expect(cpuWork(3, 7)).toBe(cpuWork(3, 7));
    expect(cpuWork(3, 7)).not.toBe(cpuWork(3, 8));
  });

  it('sizes work to a target duration on this machine', () => {
    const units = unitsFor(50);
    expect(units).toBeGreaterThan(0);
    const start = performance.now();
    cpuWork(units);
    // Loose on purpose: this only guards against a calibration off by an order of magnitude.
    expect(performance.now() - start).toBeLessThan(500);
  });
});
