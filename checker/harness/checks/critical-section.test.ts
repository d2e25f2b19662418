import { describe, expect, it } from 'vitest';
import { CriticalSectionMonitor, monitorMutex } from './critical-section.ts';

describe('CriticalSectionMonitor', () => {
  it('accepts one holder at a time, served in the order they asked', () => {
    let now = 0;
    const monitor = new CriticalSectionMonitor(() => now);
    const a = monitor.ask('A');
    const b = monitor.ask('B');
    a.granted();
    now = 5;
    a.released();
    b.granted();
    b.released();
    expect(monitor.violations).toEqual([]);
    expect(monitor.grants).toEqual(['A', 'B']);
    expect(monitor.peak).toBe(1);
  });

  it('sees a barging newcomer and two holders at once, while it happens', () => {
    let now = 0;
    const monitor = new CriticalSectionMonitor(() => now);
    const a = monitor.ask('A');
    a.granted();
    const b = monitor.ask('B');
    now = 5;
    a.released();
    const c = monitor.ask('C');
    c.granted();
    b.granted();
    expect(monitor.grants).toEqual(['A', 'C', 'B']);
    expect(monitor.first('out of order')?.text).toBe('C got the lock at 5 ms (asked at 5 ms) while B had been waiting since 0 ms');
    expect(monitor.first('two inside')?.text).toBe('B got the lock at 5 ms while C still held it (since 5 ms)');
    expect(monitor.first('two inside')?.releasesSinceAsked, 'A let go while B waited').toBe(1);
    expect(monitor.peak).toBe(2);
    expect(monitor.draw()).toContain('C holds');
  });

  it('counts the releases between an entrant\'s ask and its grant: 0 when it walked in without waiting for one', () => {
    const monitor = new CriticalSectionMonitor(() => 0);
    const a = monitor.ask('A');
    const b = monitor.ask('B');
    a.granted();
    b.granted();
    expect(monitor.first('two inside')?.releasesSinceAsked).toBe(0);
  });

  it('ignores a second release', () => {
    const monitor = new CriticalSectionMonitor(() => 0);
    const a = monitor.ask('A');
    a.granted();
    a.released();
    a.released();
    expect(monitor.holding).toEqual([]);
  });
});

describe('monitorMutex', () => {
  class TinyMutex {
    private tail = Promise.resolve();
    lock(): Promise<{ release(): void }> {
      let release!: () => void;
      const next = new Promise<void>((resolve) => (release = resolve));
      const granted = this.tail.then(() => ({ release }));
      this.tail = next;
      return granted;
    }
  }

  it('watches a mutex from outside: asks, grants and releases, through its guard', async () => {
    const mutex = new TinyMutex();
    const monitor = new CriticalSectionMonitor();
    const unpatch = monitorMutex(mutex, monitor);
    const first = await mutex.lock();
    const second = mutex.lock();
    expect(monitor.holding).toEqual(['lock #1']);
    expect(monitor.stillWaiting).toEqual(['lock #2']);
    first.release();
    (await second).release();
    expect(monitor.grants).toEqual(['lock #1', 'lock #2']);
    expect(monitor.violations).toEqual([]);
    unpatch();
    expect(Object.prototype.hasOwnProperty.call(mutex, 'lock')).toBe(false);
  });
});

describe('drawing', () => {
  it('draws in event order when no time passed', () => {
    const monitor = new CriticalSectionMonitor(() => 0);
    const a = monitor.ask('A');
    a.granted();
    const b = monitor.ask('B');
    a.released();
    b.granted();
    b.released();
    const drawing = monitor.draw();
    expect(drawing).toContain('in the order it happened');
    expect(drawing).toMatch(/A holds \|[█·]+\| 2-4\n/);
  });
});
