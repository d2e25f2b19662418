// The real Promises/A+ compliance suite (the `promises-aplus-tests` package), run inside a kata test.
//
// The suite is written for mocha and waits on real timers (delays of 50-150 ms in hundreds of tests:
// about 10 s in all). Here it runs on vitest's fake timers instead, in simulated time: between two
// timers every microtask and process.nextTick callback runs for real (one real setImmediate turn), then
// the clock jumps to the next timer. Every timer shares that one clock, the suite's and the learner's
// alike, so a promise that defers its callbacks with setTimeout or setImmediate still sees the order
// it would see in real time. The whole suite takes well under a second.
//
// It is stricter than mocha in one way that is true to the spec: an assertion that fails inside a
// callback the learner's promise called counts, even when that promise swallowed the exception.
import assert from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inspect } from 'node:util';
import vm from 'node:vm';
import { vi } from 'vitest';
import { fireNextTimer } from '../time/fake-time.ts';

/** What the suite needs from a promise implementation (its "adapter"). */
export interface AplusAdapter {
  resolved(value: unknown): unknown;
  rejected(reason: unknown): unknown;
  deferred(): { promise: unknown; resolve(value: unknown): void; reject(reason: unknown): void };
}

export interface AplusSection {
  /** "2.2.4" */
  id: string;
  /** The suite's file for this section. */
  file: string;
}

export type AplusFailureKind = 'threw' | 'assertion' | 'never-called' | 'timed-out' | 'done-twice' | 'done-error' | 'escaped';

export interface AplusFailure {
  /** The describe titles below the section's own, then the test's title. */
  path: string[];
  kind: AplusFailureKind;
  error?: unknown;
}

export interface AplusReport {
  id: string;
  /** The section's title as the suite words it ("2.2.4: `onFulfilled` or `onRejected` must not be …"). */
  title: string;
  total: number;
  failures: AplusFailure[];
}

const require = createRequire(import.meta.url);
const SUITE_DIR = path.join(path.dirname(require.resolve('promises-aplus-tests/package.json')), 'lib', 'tests');

// Captured when this module loads, before any test fakes the timers: the one real way to let the
// event loop turn (microtasks and nextTick callbacks drain before a setImmediate callback runs).
const realSetImmediate = globalThis.setImmediate;
const turn = () => new Promise<void>((resolve) => realSetImmediate(resolve));

/** Mocha's timeout for this suite (200 ms), here in simulated time. */
const TEST_TIMEOUT_MS = 200;
/** A guard against a promise that keeps scheduling timers forever (polling). */
const MAX_STEPS_PER_TEST = 2_000;

export function aplusSections(): AplusSection[] {
  return readdirSync(SUITE_DIR)
    .filter((name) => /^\d+(\.\d+)+\.js$/.test(name))
    .map((name) => ({ id: name.replace(/\.js$/, ''), file: path.join(SUITE_DIR, name) }))
    .sort((a, b) => compareIds(a.id, b.id));
}

function compareIds(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

// ---- registering the suite: a tiny mocha-shaped collector ----

type Body = (this: unknown, done: (error?: unknown) => void) => unknown;
interface Suite {
  title: string;
  beforeEach: (() => unknown)[];
  afterEach: (() => unknown)[];
  children: (Suite | Case)[];
}
interface Case {
  title: string;
  body: Body;
}

interface Recorder {
  /** Errors thrown by an assertion while the current test ran (swallowed or not). */
  onAssertion(error: unknown): void;
}

/** Wraps every function of an assertion library so a failure is recorded before it is thrown. */
function recording<T extends object>(library: T, recorder: { current: Recorder | undefined }): T {
  return new Proxy(library, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return function (this: unknown, ...args: unknown[]) {
        try {
          return (value as (...a: unknown[]) => unknown).apply(this === receiver ? target : this, args);
        } catch (error) {
          recorder.current?.onAssertion(error);
          throw error;
        }
      };
    },
  });
}

function collect(section: AplusSection, adapter: AplusAdapter, recorder: { current: Recorder | undefined }): Suite {
  const root: Suite = { title: '', beforeEach: [], afterEach: [], children: [] };
  let current = root;
  // The suite's own sinon, resolved from the suite: the kata does not depend on it, npm only happens to hoist it.
  const sinon = createRequire(require.resolve('promises-aplus-tests/package.json'))('sinon') as { assert: object };
  const modules: Record<string, unknown> = {
    assert: recording(assert, recorder),
    sinon: Object.assign(Object.create(sinon) as object, { assert: recording(sinon.assert, recorder) }),
  };
  // The globals a mocha test file uses, collecting into the tree instead of running.
  const describe = (title: string, define: () => void) => {
    const suite: Suite = { title, beforeEach: [], afterEach: [], children: [] };
    current.children.push(suite);
    const parent = current;
    current = suite;
    try {
      define();
    } finally {
      current = parent;
    }
  };
  const specify = (title: string, body: Body) => {
    current.children.push({ title, body });
  };
  const beforeEach = (hook: () => unknown) => {
    current.beforeEach.push(hook);
  };
  const afterEach = (hook: () => unknown) => {
    current.afterEach.push(hook);
  };
  // The suite reads `global.adapter` when a file loads (its helpers too), and nowhere else. Every run
  // loads fresh copies of the files, so two promise implementations in one process never share one.
  const cache = new Map<string, unknown>();
  const load = (file: string): unknown => {
    const cached = cache.get(file);
    if (cached) return cached;
    const module = { exports: {} as unknown };
    cache.set(file, module.exports);
    const params = ['exports', 'require', 'module', '__filename', '__dirname', 'describe', 'specify', 'it', 'beforeEach', 'afterEach'];
    const run = vm.compileFunction(readFileSync(file, 'utf8'), params, { filename: file }) as (...args: unknown[]) => void;
    const localRequire = (id: string) => {
      if (id in modules) return modules[id];
      if (id.startsWith('.')) return load(require.resolve(path.resolve(path.dirname(file), id)));
      throw new Error(`the Promises/A+ suite asked for "${id}", which the kata does not provide`);
    };
    run(module.exports, localRequire, module, file, path.dirname(file), describe, specify, specify, beforeEach, afterEach);
    cache.set(file, module.exports);
    return module.exports;
  };
  const withAdapter = globalThis as { adapter?: unknown };
  const previous = withAdapter.adapter;
  withAdapter.adapter = adapter;
  try {
    load(section.file);
  } finally {
    if (previous === undefined) delete withAdapter.adapter;
    else withAdapter.adapter = previous;
  }
  return root;
}

// ---- running it ----

interface CaseState {
  finished: boolean;
  doneCalls: number;
  errors: { kind: AplusFailureKind; error: unknown }[];
  /** Why the clock stopped moving for this test. */
  ended?: 'idle' | 'timeout';
}

/**
 * Runs one section of the suite against `adapter` on fake timers (restored to real ones before it
 * returns) and reports every test that failed, with what happened.
 */
export async function runAplusSection(section: AplusSection, adapter: AplusAdapter): Promise<AplusReport> {
  const recorder: { current: Recorder | undefined } = { current: undefined };
  let state: CaseState | undefined;
  const record = (kind: AplusFailureKind, error: unknown) => {
    if (state && !state.errors.some((seen) => seen.error === error && error !== undefined)) state.errors.push({ kind, error });
  };
  recorder.current = { onAssertion: (error) => record('assertion', error) };

  let root: Suite;
  try {
    root = collect(section, adapter, recorder);
  } catch (error) {
    return { id: section.id, title: section.id, total: 1, failures: [{ path: ['loading the tests'], kind: 'threw', error }] };
  }
  const top = root.children.find((child): child is Suite => 'children' in child);
  const title = top?.title ?? section.id;

  const failures: AplusFailure[] = [];
  let total = 0;
  // An exception that escapes the learner's promise (thrown from a queued callback) belongs to the
  // test that is running. Unhandled rejections are not the learner's: the suite itself leaves rejected
  // promises unhandled, and a promise built on native ones would be blamed for it. Vitest's own
  // handlers are put back afterwards.
  const saved = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
  const onEscape = (error: unknown) => record('escaped', error);
  const ignore = () => {};
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', ignore);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'] });
  try {
    const visit = async (suite: Suite, ancestors: Suite[], titles: string[]): Promise<void> => {
      for (const child of suite.children) {
        if ('children' in child) {
          await visit(child, [...ancestors, child], child === top ? titles : [...titles, child.title]);
          continue;
        }
        total++;
        state = { finished: false, doneCalls: 0, errors: [] };
        await runCase(child, ancestors, state, record);
        const first = state.errors[0];
        if (first) failures.push({ path: [...titles, child.title], kind: first.kind, error: first.error });
        else if (!state.finished) failures.push({ path: [...titles, child.title], kind: state.ended === 'idle' ? 'never-called' : 'timed-out' });
        state = undefined;
      }
    };
    await visit(root, [], []);
  } finally {
    vi.clearAllTimers();
    vi.useRealTimers();
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', ignore);
    for (const listener of saved.uncaughtException) process.on('uncaughtException', listener);
    for (const listener of saved.unhandledRejection) process.on('unhandledRejection', listener);
  }
  return { id: section.id, title, total, failures };
}

async function runCase(test: Case, ancestors: Suite[], state: CaseState, record: (kind: AplusFailureKind, error: unknown) => void): Promise<void> {
  const startedAt = Date.now();
  const done = (error?: unknown) => {
    state.doneCalls++;
    if (state.doneCalls > 1) record('done-twice', undefined);
    else if (error !== undefined) record('done-error', error);
    state.finished = true;
  };
  try {
    for (const suite of ancestors) for (const hook of suite.beforeEach) hook();
    if (test.body.length > 0) {
      test.body.call(undefined, done);
    } else {
      test.body.call(undefined, done);
      state.finished = true;
    }
    // Move the clock from timer to timer, letting every microtask run in between, until the test is
    // done and nothing it scheduled is left (a late second call still counts), or mocha would have
    // given up. A test that waits for a callback nobody will call ends when nothing is left to run.
    state.ended = 'timeout';
    for (let step = 0; step < MAX_STEPS_PER_TEST; step++) {
      await turn();
      state.ended = vi.getTimerCount() === 0 ? 'idle' : Date.now() - startedAt > TEST_TIMEOUT_MS ? 'timeout' : undefined;
      if (state.ended) break;
      try {
        // One timer at a time, as Node runs them: microtasks settle between two timers due at the same instant.
        fireNextTimer();
      } catch (error) {
        record('assertion', error);
      }
    }
  } catch (error) {
    record('threw', error);
  } finally {
    vi.clearAllTimers();
    // The hooks restore what the tests change on built-in prototypes: they run on every path.
    for (const suite of [...ancestors].reverse()) {
      for (const hook of suite.afterEach) {
        try {
          hook();
        } catch (error) {
          record('threw', error);
        }
      }
    }
  }
}

// ---- explaining it ----

/** The spec's demand for each section, in a learner's words. */
const PLAIN: Record<string, string> = {
  '2.1.2': 'Once fulfilled, a promise keeps its value forever: every later resolve or reject is ignored.',
  '2.1.3': 'Once rejected, a promise keeps its reason forever: every later resolve or reject is ignored.',
  '2.2.1': '`then(undefined, f)`, `then(5)`, `then(null, null)`: a callback that is not a function is ignored, and the value (or reason) passes through.',
  '2.2.2': '`onFulfilled` is called once, after fulfilment, with the value; never before, never twice.',
  '2.2.3': '`onRejected` is called once, after rejection, with the reason; never before, never twice.',
  '2.2.4': 'Callbacks never run inside `then` or inside `resolve`: queue them (a microtask) and let the current code finish first, even when the promise has already settled.',
  '2.2.5': 'Callbacks are called as plain functions, `onFulfilled(value)`, with no `this`.',
  '2.2.6': '`then` can be called many times on one promise: keep every callback in a list and call them all, in the order `then` was called.',
  '2.2.7': '`then` returns a new promise: it fulfils with what the callback returns, rejects with what it throws, and passes the value (or reason) through when there is no callback.',
  '2.3.1': 'Resolving a promise with itself would wait forever: reject it with a TypeError instead.',
  '2.3.2': 'Resolving with another promise makes yours follow it: pending while it is pending, then its value or its reason.',
  '2.3.3': 'Anything with a `then` method is a thenable: read `x.then` once, call it with `x` as `this` and your own resolve and reject, let only the first call count, and reject if reading or calling `then` throws (unless it already called back).',
  '2.3.4': 'A value that is not an object or a function (a number, `true`, `undefined`) fulfils the promise as it is.',
};

const KIND: Record<AplusFailureKind, (error: unknown) => string> = {
  threw: (error) => `your promise threw ${describeValue(error)}`,
  assertion: (error) => `${checkOf(error)} failed: ${describeAssertion(error)}`,
  'never-called': () => 'the test waited for a callback your promise never called: nothing was left to run (no timer, no microtask)',
  'timed-out': () => `the callback the test waited for had not been called after ${TEST_TIMEOUT_MS} ms of simulated time (the suite's limit), with timers still pending`,
  'done-twice': () => 'the test was told twice that it had finished: your promise called back more than once (both callbacks, or one of them twice)',
  'done-error': (error) => `the test reported ${describeValue(error)}`,
  escaped: (error) => `${describeValue(error)} was thrown from a callback your promise queued and escaped it, instead of rejecting the promise \`then\` returned`,
};

/** The lines of a teaching message for a section that failed (empty when it passed). */
export function explainAplus(report: AplusReport, shown = 3): string[] {
  if (report.failures.length === 0) return [];
  const lines = [
    `Promises/A+ ${report.title}`,
    `${report.failures.length} of ${report.total} checks of section ${report.id} failed.`,
    `In plain words: ${PLAIN[report.id] ?? 'see the section title above.'}`,
  ];
  for (const failure of report.failures.slice(0, shown)) {
    lines.push(`  x ${failure.path.join(' > ')}`, `    -> ${KIND[failure.kind](failure.error)}`);
  }
  if (report.failures.length > shown) lines.push(`  … and ${report.failures.length - shown} more.`);
  return lines;
}

function describeValue(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0] ?? ''}`;
  return inspect(error, { depth: 1, breakLength: Infinity });
}

function describeAssertion(error: unknown): string {
  if (error instanceof assert.AssertionError) {
    return `expected ${show(error.expected)}, got ${show(error.actual)}`;
  }
  if (error instanceof Error) return error.message.split('\n')[0] ?? '';
  return describeValue(error);
}

const sources = new Map<string, string[]>();

/** "the spec's check `assert.strictEqual(isFulfilled, true)`": the suite's own line that failed. */
function checkOf(error: unknown): string {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const frame = stack.split('\n').map((line) => /\((.+):(\d+):\d+\)$|at (.+):(\d+):\d+$/.exec(line.trim())).find((match) => {
    const file = match?.[1] ?? match?.[3];
    return file !== undefined && file.startsWith(SUITE_DIR);
  });
  const file = frame?.[1] ?? frame?.[3];
  const line = Number(frame?.[2] ?? frame?.[4]);
  if (!file || !line) return "the spec's check";
  let lines = sources.get(file);
  if (!lines) {
    lines = readFileSync(file, 'utf8').split('\n');
    sources.set(file, lines);
  }
  const code = lines[line - 1]?.trim().replace(/;$/, '');
  return code ? `the spec's check \`${code}\`` : "the spec's check";
}

function show(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity, maxStringLength: 60 });
}
