import { describe, expect, it, vi } from 'vitest';
import { flushMicrotasks } from './microtasks.ts';

describe('flushMicrotasks', () => {
  it('runs a long chain of promise hops to its end without any timer', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      void (async () => {
        for (let i = 0; i < 50; i++) await Promise.resolve();
        done = true;
      })();
      await flushMicrotasks();
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves work that waits for a timer pending', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      setTimeout(() => (done = true), 1);
      await flushMicrotasks();
      expect(done).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
