import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { DECLARED_SKIPS, judgeSkip, listenQueueLimit, skipFor } from './declared-skips.ts';

/** A test context that records the skip instead of throwing vitest's. */
function recordingContext() {
  const notes: string[] = [];
  const ctx = {
    skip(note?: string): never {
      notes.push(note ?? '');
      throw new Error('skipped');
    },
  };
  return { ctx, notes };
}

describe('declared skips', () => {
  it('skips only when the reason holds on this machine, with a note that names the reason', () => {
    for (const reason of Object.keys(DECLARED_SKIPS) as (keyof typeof DECLARED_SKIPS)[]) {
      const { ctx, notes } = recordingContext();
      const holds = DECLARED_SKIPS[reason]();
      if (holds) expect(() => skipFor(ctx, reason, 'why')).toThrow('skipped');
      else skipFor(ctx, reason, 'why');
      expect(notes).toEqual(holds ? [`[kata:${reason}] why`] : []);
    }
  });

  it("counts a skip only for a declared reason whose condition the checker finds true itself", () => {
    expect(judgeSkip('[kata:one-core] one core here')).toEqual({ declared: os.availableParallelism() < 2, explanation: 'one core here' });
    expect(judgeSkip('[kata:small-listen-queue] a small queue').declared).toBe(!(listenQueueLimit() >= 1024));
    expect(judgeSkip('[kata:made-up] my reason')).toEqual({ declared: false, explanation: '[kata:made-up] my reason' });
    expect(judgeSkip('skipped by hand').declared).toBe(false);
    expect(judgeSkip(undefined).declared).toBe(false);
  });

  it("reads the kernel's limit on waiting connections where it can (Linux), and says NaN elsewhere", () => {
    const limit = listenQueueLimit();
    if (process.platform === 'linux') expect(limit).toBeGreaterThan(0);
    else expect(limit).toBeNaN();
  });
});
