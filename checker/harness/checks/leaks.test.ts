import { afterEach, describe, expect, it, vi } from 'vitest';
import { advance, useFakeClock } from '../time/fake-time.ts';
import { SimulatedIo } from '../time/io.ts';
import { adviceFor, adviceForOpen, creationSite, watchHandles } from './leaks.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('watchHandles', () => {
  it('names a fake timer left scheduled, and where it was created', async () => {
    useFakeClock();
    const watch = watchHandles();
    const kept = setTimeout(() => undefined, 100);
    const fired = setTimeout(() => undefined, 10);
    const cleared = setTimeout(() => undefined, 10);
    clearTimeout(cleared);
    await advance(20);
    const open = watch.open();
    watch.stop();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: 'timer', what: 'a 100 ms setTimeout' });
    expect(open[0]?.createdAt).toMatch(/^checker\/harness\/checks\/leaks\.test\.ts:\d+:\d+$/);
    clearTimeout(kept);
    void fired;
  });

  it('works on real timers too, and tells a timer that keeps the process alive from an unref\'d one', () => {
    const watch = watchHandles();
    const alive = setTimeout(() => undefined, 10_000);
    const quiet = setTimeout(() => undefined, 10_000);
    quiet.unref();
    const interval = setInterval(() => undefined, 10_000);
    const open = watch.open();
    expect(open.map((h) => [h.kind, h.keepsProcessAlive])).toEqual([
      ['timer', true],
      ['timer', false],
      ['interval', true],
    ]);
    // clearTimeout by the timer's number works as well as by the object.
    clearTimeout(Number(alive));
    clearTimeout(quiet);
    clearInterval(interval);
    expect(watch.open()).toEqual([]);
    watch.stop();
  });

  it('clearOpen() clears what is still open, so a leaked real timer never fires in a later test', async () => {
    const watch = watchHandles();
    let fired = 0;
    setTimeout(() => fired++, 5);
    setInterval(() => fired++, 5);
    expect(watch.open()).toHaveLength(2);
    watch.clearOpen();
    expect(watch.open()).toEqual([]);
    watch.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(0);
    useFakeClock();
    const fake = watchHandles();
    setTimeout(() => fired++, 5);
    setInterval(() => fired++, 5);
    fake.clearOpen();
    expect(vi.getTimerCount()).toBe(0);
    fake.stop();
  });

  it('puts the timers back on stop(), and never reinstalls fake ones after vi.useRealTimers()', () => {
    const realSetTimeout = globalThis.setTimeout;
    useFakeClock();
    const watch = watchHandles();
    expect(globalThis.setTimeout).not.toBe(realSetTimeout);
    vi.useRealTimers();
    watch.stop();
    expect(globalThis.setTimeout).toBe(realSetTimeout);
  });

  it('labels the timer of AbortSignal.timeout on the fake clock, which then fires on fake time', async () => {
    useFakeClock();
    const watch = watchHandles();
    const signal = AbortSignal.timeout(100);
    const open = watch.open();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ kind: 'AbortSignal.timeout', keepsProcessAlive: false });
    expect(open[0]?.what).toContain('AbortSignal.timeout(100)');
    await advance(100);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
    expect(watch.open()).toEqual([]);
    watch.stop();
  });

  it('puts Node\'s own AbortSignal.timeout back once that test has finished', () => {
    expect(AbortSignal.timeout.name).toBe('timeout');
  });

  it('names listeners left on a watched target, but not once-listeners that fired or listeners removed', () => {
    const watch = watchHandles();
    const controller = new AbortController();
    watch.watchListeners(controller.signal, 'the batch signal');
    const forgotten = () => undefined;
    const removed = () => undefined;
    controller.signal.addEventListener('abort', forgotten);
    controller.signal.addEventListener('abort', removed);
    controller.signal.removeEventListener('abort', removed);
    const open = watch.open();
    expect(open.map((h) => h.what)).toEqual(["an 'abort' listener on the batch signal"]);
    controller.abort();
    // An aborted signal fires no more: what is left on it can do nothing.
    expect(watch.open()).toEqual([]);
    watch.stop();
    expect(Object.prototype.hasOwnProperty.call(controller.signal, 'addEventListener')).toBe(false);
  });

  it('a once-listener that fired is gone; one that never fired is still open', () => {
    const watch = watchHandles();
    const target = new EventTarget();
    watch.watchListeners(target, 'the target');
    let calls = 0;
    target.addEventListener('ping', () => calls++, { once: true });
    target.dispatchEvent(new Event('ping'));
    target.dispatchEvent(new Event('ping'));
    expect(calls).toBe(1);
    expect(watch.open()).toEqual([]);
    target.addEventListener('pong', () => undefined, { once: true });
    expect(watch.open()).toHaveLength(1);
    watch.stop();
  });

  it('a listener added with { signal } is gone once that signal aborts', () => {
    const watch = watchHandles();
    const target = new EventTarget();
    const controller = new AbortController();
    watch.watchListeners(target, 'the target');
    target.addEventListener('ping', () => undefined, { signal: controller.signal });
    expect(watch.open().map((h) => h.what)).toEqual(["a 'ping' listener on the target"]);
    controller.abort();
    expect(watch.open()).toEqual([]);
    // Added with a signal that had already aborted: the platform never adds it.
    target.addEventListener('pong', () => undefined, { signal: controller.signal });
    expect(watch.open()).toEqual([]);
    watch.stop();
  });

  it("an AbortSignal.timeout made while nothing watches leaves its label to no later timer", async () => {
    useFakeClock();
    AbortSignal.timeout(50);
    const watch = watchHandles();
    setTimeout(() => undefined, 10);
    expect(watch.open().map((h) => h.kind)).toEqual(['timer']);
    await advance(50);
    watch.stop();
  });

  it('names MessagePorts that were never closed', async () => {
    const watch = watchHandles();
    const open = new MessageChannel();
    const closed = new MessageChannel();
    closed.port1.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(watch.open().map((h) => h.what)).toEqual(["a MessageChannel's port1", "a MessageChannel's port2"]);
    open.port1.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(watch.open()).toEqual([]);
    watch.stop();
    expect(new MessageChannel().constructor.name).toBe('MessageChannel');
  });

  it('leaves out the harness\'s own timers: simulated IO belongs to the test\'s world', async () => {
    useFakeClock();
    const watch = watchHandles();
    const io = new SimulatedIo(100);
    const call = io.call('user');
    expect(watch.open()).toEqual([]);
    await advance(100);
    await call;
    watch.stop();
  });

  it('records how a listener was added, and its advice says why that did not remove it', () => {
    const watch = watchHandles();
    const target = new EventTarget();
    const controller = new AbortController();
    watch.watchListeners(target, 'the target');
    target.addEventListener('plain', () => undefined);
    target.addEventListener('once', () => undefined, { once: true });
    target.addEventListener('until', () => undefined, { signal: controller.signal });
    target.addEventListener('both', () => undefined, { once: true, signal: controller.signal });
    const open = watch.open();
    expect(open.map((h) => h.addedWith)).toEqual([
      { once: false, signal: false },
      { once: true, signal: false },
      { once: false, signal: true },
      { once: true, signal: true },
    ]);
    const [plain, once, until, both] = open.map((h) => adviceFor(h.kind, h));
    expect(plain).toContain('removeEventListener in a finally block');
    expect(once).toContain('added with { once: true } goes away only when its event fires');
    expect(once).not.toContain('{ signal }');
    expect(until).toContain('added with { signal } goes away only when that signal aborts');
    expect(both).toContain('{ once: true, signal }');
    // One line per different fix, not one per listener.
    target.addEventListener('once', () => undefined, { once: true });
    expect(adviceForOpen(watch.open())).toEqual([plain, once, until, both]);
    controller.abort();
    watch.stop();
  });

  it('a removeEventListener that removed nothing (another function, another capture flag) is named in the advice', () => {
    const watch = watchHandles();
    const target = new EventTarget();
    watch.watchListeners(target, 'the target');
    target.addEventListener('abort', () => undefined);
    target.removeEventListener('abort', () => undefined); // a new arrow: another function
    const [missed] = watch.open();
    expect(missed?.missedRemoval?.otherCapture).toBe(false);
    expect(missed?.missedRemoval?.at).toMatch(/leaks\.test\.ts:\d+:\d+$/);
    expect(adviceFor('listener', missed)).toContain('removed nothing: the function it was given is not the function that was added');
    const other = new EventTarget();
    watch.watchListeners(other, 'the other target');
    const listener = () => undefined;
    other.addEventListener('abort', listener, { capture: true });
    other.removeEventListener('abort', listener);
    const capture = watch.open().find((h) => h.what.includes('the other target'));
    expect(adviceFor('listener', capture)).toContain('another capture flag');
    // A listener removed properly, then removed again: nothing open, nothing to say.
    const third = new EventTarget();
    watch.watchListeners(third, 'a third target');
    third.addEventListener('abort', listener);
    third.removeEventListener('abort', listener);
    third.removeEventListener('abort', listener);
    expect(watch.open().filter((h) => h.what.includes('a third target'))).toEqual([]);
    watch.stop();
  });

  it('names a handler set through an event handler property (signal.onabort), which stays registered after = null', () => {
    const watch = watchHandles();
    const controller = new AbortController();
    watch.watchListeners(controller.signal, 'the signal');
    controller.signal.onabort = () => undefined;
    controller.signal.onabort = null;
    const [handler] = watch.open();
    expect(handler?.viaProperty).toBe('onabort');
    expect(handler?.what).toContain('the onabort handler of the signal');
    expect(adviceFor('listener', handler)).toContain('the target holds one onabort handler');
    watch.stop();
  });

  it('remembers the timers cleared before they fired: when, and where (a timer that fired is not among them)', async () => {
    useFakeClock();
    const watch = watchHandles();
    const early = setTimeout(() => undefined, 100);
    await advance(5);
    clearTimeout(early);
    setTimeout(() => undefined, 10);
    await advance(20);
    const interval = setInterval(() => undefined, 30);
    clearInterval(interval);
    const cleared = watch.cleared();
    expect(cleared.map((t) => [t.what, t.delayMs, Math.round(t.clearedAtMs)])).toEqual([
      ['a 100 ms setTimeout', 100, 5],
      ['a 30 ms setInterval', 30, 25],
    ]);
    expect(cleared[0]?.clearedAt).toMatch(/leaks\.test\.ts:\d+:\d+$/);
    expect(cleared[0]?.createdAt).toMatch(/leaks\.test\.ts:\d+:\d+$/);
    watch.stop();
  });

  it('has advice for every kind of handle', () => {
    for (const kind of ['timer', 'interval', 'AbortSignal.timeout', 'listener', 'port'] as const) expect(adviceFor(kind)).toMatch(/\w/);
  });

  it('finds the first frame outside the harness', () => {
    expect(creationSite(new Error())).toMatch(/^checker\/harness\/checks\/leaks\.test\.ts:\d+:\d+$/);
  });
});
