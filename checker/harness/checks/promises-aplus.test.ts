import { describe, expect, it, vi } from 'vitest';
import { adapterFor } from './promises-aplus.fixture.ts';
import { aplusSections, explainAplus, runAplusSection, type AplusAdapter, type AplusReport } from './promises-aplus.ts';

async function runAll(adapter: AplusAdapter): Promise<AplusReport[]> {
  const reports: AplusReport[] = [];
  for (const section of aplusSections()) reports.push(await runAplusSection(section, adapter));
  return reports;
}

const section = (id: string) => {
  const found = aplusSections().find((s) => s.id === id);
  if (!found) throw new Error(`no section ${id}`);
  return found;
};

describe('the Promises/A+ suite on simulated time', () => {
  it('finds the 13 sections of the suite, in the spec\'s order', () => {
    expect(aplusSections().map((s) => s.id)).toEqual(['2.1.2', '2.1.3', '2.2.1', '2.2.2', '2.2.3', '2.2.4', '2.2.5', '2.2.6', '2.2.7', '2.3.1', '2.3.2', '2.3.3', '2.3.4']);
  });

  it('passes a compliant promise on every one of its 872 checks', async () => {
    const reports = await runAll(adapterFor(queueMicrotask));
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
    expect(reports.reduce((sum, r) => sum + r.total, 0)).toBe(872);
  });

  it('passes a compliant promise that defers with setTimeout: the suite\'s timers and the promise\'s share one clock', async () => {
    const reports = await runAll(adapterFor((job) => setTimeout(job, 0)));
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
  });

  it('does not blame a promise built on native promises for the rejections the suite leaves unhandled', async () => {
    const native: AplusAdapter = {
      resolved: (value) => Promise.resolve(value),
      // The suite rejects with plain objects on purpose.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      rejected: (reason) => Promise.reject(reason),
      deferred: () => {
        let resolve!: (value: unknown) => void;
        let reject!: (reason: unknown) => void;
        const promise = new Promise((res, rej) => {
          resolve = res;
          reject = rej;
        });
        return { promise, resolve, reject };
      },
    };
    const reports = await runAll(native);
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
  });

  it('reports an exception that escapes a queued callback instead of rejecting the next promise', async () => {
    const report = await runAplusSection(section('2.2.7'), adapterFor(queueMicrotask, { catchCallbackErrors: false }));
    expect(report.failures.map((f) => f.kind)).toContain('escaped');
    expect(explainAplus(report, 100).join('\n')).toContain('was thrown from a callback your promise queued and escaped it');
  });

  it('reports a promise that calls back synchronously, with the spec\'s own check and what it saw', async () => {
    const report = await runAplusSection(section('2.2.4'), adapterFor((job) => job()));
    expect(report.failures.length).toBeGreaterThan(0);
    const text = explainAplus(report).join('\n');
    expect(text).toContain('Promises/A+ 2.2.4: `onFulfilled` or `onRejected` must not be called until');
    expect(text).toMatch(/In plain words: Callbacks never run inside `then`/);
    expect(text).toContain("the spec's check `assert.strictEqual(thenHasReturned, true)` failed: expected true, got false");
  });

  it('reports a promise that never calls back as such, without waiting for real time', async () => {
    const never = { then: () => never };
    const adapter: AplusAdapter = { deferred: () => ({ promise: never, resolve() {}, reject() {} }), resolved: () => never, rejected: () => never };
    const started = performance.now();
    const report = await runAplusSection(section('2.2.2'), adapter);
    expect(performance.now() - started, 'simulated time, not 200 ms per test').toBeLessThan(2_000);
    expect(report.failures.map((f) => f.kind)).toContain('never-called');
    expect(explainAplus(report).join('\n')).toContain('never called: nothing was left to run');
  });

  it('reports an implementation that throws with its error', async () => {
    const adapter: AplusAdapter = {
      deferred: () => {
        throw new Error('TODO step 1');
      },
      resolved: () => {
        throw new Error('TODO step 1');
      },
      rejected: () => {
        throw new Error('TODO step 1');
      },
    };
    const report = await runAplusSection(section('2.1.2'), adapter);
    expect(report.failures).toHaveLength(report.total);
    expect(explainAplus(report).join('\n')).toContain('your promise threw Error: TODO step 1');
  });

  it('leaves nothing behind: real timers, the process\'s own listeners, no adapter global, built-in prototypes restored', async () => {
    const listeners = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    await runAplusSection(section('2.3.4'), adapterFor((job) => job()));
    expect(vi.isFakeTimers()).toBe(false);
    expect([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')]).toEqual(listeners);
    expect('adapter' in globalThis).toBe(false);
    expect('then' in Boolean.prototype || 'then' in Number.prototype).toBe(false);
  });
});
