import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KataError } from '../words/explain.ts';
import { advance, track, useFakeClock } from './fake-time.ts';
import { SimulatedIo } from './io.ts';
import { expectJoined } from '../checks/joined.ts';
import { watchHandles } from '../checks/leaks.ts';

beforeEach(() => {
  useFakeClock();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SimulatedIo', () => {
  it('resolves after its latency, exactly, and records the interval', async () => {
    const io = new SimulatedIo(100);
    const call = track(io.call('user'));
    await advance(99);
    expect(call.status).toBe('pending');
    await advance(1);
    expect(call.value).toBe('user done');
    expect(io.timeline.intervals).toEqual([{ label: 'user', start: 0, end: 100, outcome: 'ok' }]);
    expect(io.started).toEqual(['user']);
    expect(io.finished).toEqual(['user']);
  });

  it('counts how many calls are in flight at the peak', async () => {
    const io = new SimulatedIo(10);
    const all = Promise.all([io.call('a'), io.call('b'), io.call('c')]);
    await advance(10);
    await all;
    expect(io.inFlight.peak).toBe(3);
    expect(io.inFlight.current).toBe(0);
    expect(io.pending).toBe(0);
  });

  it('rejects with the given error after the latency', async () => {
    const io = new SimulatedIo(10);
    const failure = new Error('down');
    const call = track(io.call('cdn', { error: failure }));
    await advance(10);
    expect(call.reason).toBe(failure);
    expect(io.timeline.intervals[0]?.outcome).toBe('failed');
  });

  it('stops waiting, clears its timer and rejects when its signal aborts', async () => {
    const io = new SimulatedIo(100);
    const controller = new AbortController();
    const call = track(io.call('slow', { signal: controller.signal }));
    await advance(30);
    controller.abort(new Error('enough'));
    await advance(0);
    expect((call.reason as Error).message).toBe('enough');
    expect(io.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(io.timeline.intervals[0]).toMatchObject({ end: 30, outcome: 'aborted' });
  });

  it('does not start at all when the signal is already aborted', async () => {
    const io = new SimulatedIo(100);
    await expect(io.call('x', { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(io.started).toEqual([]);
  });
});

describe('expectJoined', () => {
  it('passes when the tasks overlapped', async () => {
    const io = new SimulatedIo(100);
    const result = track(Promise.all([io.call('user'), io.call('image')]));
    await advance(100);
    await expect(expectJoined(io, result, { expectedMs: 100, labels: ['user', 'image'], what: 'join' })).resolves.toBeUndefined();
  });

  it('explains sequential awaits with the numbers and a drawing', async () => {
    const io = new SimulatedIo(100);
    const sequential = async () => [await io.call('user'), await io.call('image')];
    const result = track(sequential());
    await advance(100);
    const error = await expectJoined(io, result, { expectedMs: 100, labels: ['user', 'image'], what: 'join' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KataError);
    const message = (error as Error).message;
    expect(message).toContain('join took 200 ms');
    expect(message).toContain('one after the other');
    expect(message).toMatch(/image \|·+█+\| 100-200 ms/);
  });

  it('fails a join that resolved before its slowest task was done, with what the test adds about it', async () => {
    const io = new SimulatedIo(100);
    const user = io.call('user', { latencyMs: 40 });
    void io.call('image');
    const result = track(user);
    await advance(100);
    const error = await expectJoined(io, result, { expectedMs: 100, labels: ['user', 'image'], what: 'join', early: () => ['held: nothing'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KataError);
    const message = (error as Error).message;
    expect(message).toContain('join resolved at 40 ms, before its tasks were done: "image" was still running then, and the last of them was done only at 100 ms.');
    expect(message).toContain('held: nothing');
  });

  it('names a task that never started', async () => {
    const io = new SimulatedIo(100);
    const result = track(io.call('user'));
    await advance(100);
    await expect(expectJoined(io, result, { expectedMs: 100, labels: ['user', 'image'], what: 'join' })).rejects.toThrow(
      'join never started: image',
    );
  });
});

describe('the service\'s own listener', () => {
  it('is not counted as a listener of the code under test on a watched signal, while the call runs', async () => {
    const io = new SimulatedIo(10);
    const batch = new AbortController();
    const watch = watchHandles();
    watch.watchListeners(batch.signal, 'the batch signal');
    const call = io.call('running', { signal: batch.signal });
    expect(watch.open().filter((h) => h.kind === 'listener')).toEqual([]);
    batch.abort(new Error('gone'));
    await expect(call).rejects.toThrow('gone');
    expect(io.timeline.intervals[0]?.outcome).toBe('aborted');
    watch.stop();
  });
});

describe('calls after a cancel', () => {
  it('counts every call made once the watched signal aborted, refused or not', async () => {
    const io = new SimulatedIo(10);
    const batch = new AbortController();
    io.watchCancel(batch.signal);
    const before = io.call('before');
    batch.abort();
    const refused = io.call('refused', { signal: batch.signal }).catch(() => 'refused');
    const started = io.call('started');
    await advance(10);
    await Promise.all([before, refused, started]);
    expect(io.callsAfterCancel.map((a) => [a.label, a.refused])).toEqual([
      ['refused', true],
      ['started', false],
    ]);
    expect(io.attempts).toHaveLength(3);
    expect(io.started).toEqual(['before', 'started']);
  });
});

describe('abort reasons', () => {
  it('keeps the very reason each aborted or refused call was stopped with', async () => {
    const io = new SimulatedIo(10);
    const shared = new AbortController();
    const first = io.call('first', { signal: shared.signal }).catch(() => 'aborted');
    const reason = new Error('deadline');
    shared.abort(reason);
    const second = io.call('second', { signal: shared.signal }).catch(() => 'refused');
    const ok = io.call('ok');
    await advance(10);
    await Promise.all([first, second, ok]);
    expect(io.abortedWith.get('first')).toBe(reason);
    expect(io.abortedWith.get('second')).toBe(reason);
    expect(io.abortedWith.has('ok')).toBe(false);
  });
});
