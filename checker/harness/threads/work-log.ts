// Which thread did the work, and when: a tiny tracing channel that works across worker threads.
// Library code calls `reportWork(label)` around a piece of CPU work (in whatever thread it runs);
// a test listens with `listenToWork()` and gets spans with thread ids and wall-clock times it can
// compare across threads. Machine-independent evidence of offloading and of parallelism.
// This module imports only Node built-ins, so worker files can load it.
import { readFileSync } from 'node:fs';
import { BroadcastChannel, MessagePort, isMainThread, threadId } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { drawTimeline, peakOverlap, type Interval } from '../time/timeline.ts';

export const WORK_CHANNEL = 'concurrency-kata:work';

export interface WorkSpan {
  /** Unique per span in the process: `${threadId}:${counter}`. */
  id: string;
  label: string;
  threadId: number;
  /** Wall-clock milliseconds (`performance.timeOrigin + performance.now()`): comparable across threads. */
  start: number;
  /** Undefined until the work has ended (and forever, if its thread was terminated mid-way). */
  end?: number;
  /** Free-form numbers the reporter attaches (rows, bytes, ...). */
  detail?: Record<string, number>;
  /**
   * CPU time the reporting thread spent between start and end, from the kernel's accounting (Linux);
   * unlike `end - start`, a busy machine does not stretch it. Undefined where it cannot be read.
   */
  cpuMs?: number;
  /**
   * For work that produced a buffer and asked for it to be followed (`followTransfer`): true once the
   * buffer left its thread by transfer (it is detached there), false if it was still there a moment
   * after the work (it was copied, if it was sent at all).
   */
  resultMoved?: boolean;
}

export interface SpanFilter {
  /** Wall-clock ms: only spans that started at or after it. */
  since?: number;
  label?: string;
}

type WorkMessage = { kind: 'start' | 'end'; span: WorkSpan } | { kind: 'moved'; id: string; moved: boolean };

let sender: BroadcastChannel | undefined;
let counter = 0;

function send(message: WorkMessage): void {
  if (!sender) {
    sender = new BroadcastChannel(WORK_CHANNEL);
    // Reporting must never keep a thread alive.
    sender.unref();
  }
  sender.postMessage(message);
}

/** Set to `off` to act as a system without per-thread CPU times (tests of the wall-clock fallback). */
export const THREAD_CLOCK_ENV = 'KATA_THREAD_CLOCK';

let cpuClockWorks = process.env[THREAD_CLOCK_ENV] !== 'off';

/**
 * CPU time the calling thread has spent running so far, in ms (Linux: /proc/thread-self/schedstat),
 * or undefined where the kernel does not tell. The kernel updates it at every scheduler tick and
 * context switch, so one reading can lag by a tick (about 4 ms): fine for work of tens of ms, not
 * for a single millisecond.
 */
export function threadCpuMs(): number | undefined {
  if (!cpuClockWorks) return undefined;
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    if (Number.isFinite(ns)) return ns / 1e6;
  } catch {
    // Not Linux, or no schedstat: fall through.
  }
  cpuClockWorks = false;
  return undefined;
}

/** Milliseconds on a clock every thread of the process shares. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** Ends a reported piece of work (with more detail, if any); see `reportWork`. */
export interface EndWork {
  (detail?: Record<string, number>): void;
  /**
   * Follows `buffer`, the work's result: when this thread next posts a message (as a worker thread posts
   * its result), or else a moment later, is the buffer transferred away (detached) or still here?
   * Reported as the span's `resultMoved`. Holds the buffer meanwhile.
   */
  followTransfer(buffer: ArrayBufferLike): void;
}

/** Where no message is posted after the work: checked at the next turn of the event loop, then after these delays. */
const FOLLOW_MS = [10, 50, 250];
/** Reports the start of a piece of work; call the returned function when it ends. */
export function reportWork(label: string, detail?: Record<string, number>): EndWork {
  const span: WorkSpan = { id: `${threadId}:${++counter}`, label, threadId, start: wallClock() };
  if (detail) span.detail = detail;
  send({ kind: 'start', span });
  const cpuAtStart = threadCpuMs();
  const end = (more?: Record<string, number>) => {
    const cpuAtEnd = threadCpuMs();
    const ended: WorkSpan = { ...span, end: wallClock() };
    if (more) ended.detail = { ...span.detail, ...more };
    if (cpuAtStart !== undefined && cpuAtEnd !== undefined) ended.cpuMs = cpuAtEnd - cpuAtStart;
    send({ kind: 'end', span: ended });
  };
  return Object.assign(end, { followTransfer: (buffer: ArrayBufferLike) => followTransfer(span.id, buffer) });
}

/** Buffers being followed on this thread, by span id, until their fate is reported. */
const following = new Map<string, ArrayBufferLike>();

function reportFate(id: string, moved: boolean): void {
  if (following.delete(id)) send({ kind: 'moved', id, moved });
}

// A worker thread sends its result with the first postMessage after the work: piscina's thread posts the
// task's answer as the task function returns (and may then block in Atomics.wait, so no timer of this
// thread runs again until the next task); a raw worker posts it itself. So on worker threads the fate is
// read right after each postMessage. Our own reports (a BroadcastChannel posts through a MessagePort too)
// are left out.
let postsHooked = false;
let reporting = false;

function hookPosts(): void {
  if (postsHooked || isMainThread) return;
  postsHooked = true;
  const proto = MessagePort.prototype as { postMessage: (...args: unknown[]) => unknown };
  const original = proto.postMessage;
  proto.postMessage = function (this: MessagePort, ...args: unknown[]) {
    // What the native post returns matters to its callers (a BroadcastChannel checks it).
    const result = original.apply(this, args);
    if (!reporting && following.size > 0) {
      reporting = true;
      try {
        for (const [id, buffer] of following) reportFate(id, buffer.byteLength === 0);
      } finally {
        reporting = false;
      }
    }
    return result;
  };
}

function followTransfer(id: string, buffer: ArrayBufferLike): void {
  if (buffer.byteLength === 0) return;
  following.set(id, buffer);
  hookPosts();
  // Where no post comes (the main thread, or a result never sent), the event loop decides.
  const check = (delays: number[]) => {
    if (!following.has(id)) return;
    if (buffer.byteLength === 0) return reportFate(id, true);
    const [next, ...rest] = delays;
    if (next === undefined) return reportFate(id, false);
    setTimeout(() => check(rest), next).unref();
  };
  setImmediate(() => check(FOLLOW_MS)).unref();
}

/** Runs `work` as one reported span. */
export function reported<T>(label: string, work: () => T, detail?: Record<string, number>): T {
  const end = reportWork(label, detail);
  try {
    return work();
  } finally {
    end();
  }
}

/** Everything reported on the work channel since `listenToWork()`, from every thread of this process. */
export class WorkLog {
  private readonly byId = new Map<string, WorkSpan>();
  private readonly channel = new BroadcastChannel(WORK_CHANNEL);
  private waiters: (() => void)[] = [];

  constructor() {
    this.channel.unref();
    this.channel.onmessage = (event: unknown) => {
      const message = (event as { data: WorkMessage }).data;
      if (message.kind === 'moved') {
        const known = this.byId.get(message.id);
        if (known) this.byId.set(message.id, { ...known, resultMoved: message.moved });
      } else {
        const { kind, span } = message;
        const known = this.byId.get(span.id);
        if (kind === 'start' && !known) this.byId.set(span.id, span);
        // An end keeps what arrived before it (a start's fields, a 'moved' verdict).
        if (kind === 'end') this.byId.set(span.id, { ...known, ...span, ...(known?.resultMoved === undefined ? {} : { resultMoved: known.resultMoved }) });
      }
      const waiting = this.waiters;
      this.waiters = [];
      for (const wake of waiting) wake();
    };
  }

  /** Spans in start order; `since` (wall clock) keeps the ones that started after it, `label` one kind. */
  spans(filter: SpanFilter = {}): WorkSpan[] {
    const { since = 0, label } = filter;
    return [...this.byId.values()]
      .filter((span) => span.start >= since && (label === undefined || span.label === label))
      .sort((a, b) => a.start - b.start);
  }

  /** Forgets what was seen so far. */
  clear(): void {
    this.byId.clear();
  }

  /** Waits until `done(spans)` is true or `timeoutMs` passes; returns whether it became true. */
  async waitFor(done: (spans: WorkSpan[]) => boolean, filter: SpanFilter = {}, timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans(filter))) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /**
   * Waits until at least `atLeast` matching spans exist and every one of them has ended (their
   * messages may trail the results they belong to), and returns them. Gives up after `timeoutMs`
   * (a span whose thread was terminated never ends) and returns what it has.
   */
  async settled(filter: SpanFilter = {}, options: { atLeast?: number; timeoutMs?: number } = {}): Promise<WorkSpan[]> {
    const { atLeast = 1, timeoutMs = 2000 } = options;
    await this.waitFor((spans) => spans.length >= atLeast && spans.every((s) => s.end !== undefined), filter, timeoutMs);
    return this.spans(filter);
  }

  close(): void {
    this.channel.close();
    for (const wake of this.waiters) wake();
    this.waiters = [];
  }
}

export function listenToWork(): WorkLog {
  return new WorkLog();
}

/** The distinct thread ids that did the work, in order of first appearance. */
export function threadsOf(spans: readonly WorkSpan[]): number[] {
  return [...new Set(spans.map((span) => span.threadId))];
}

/** How many spans ran at the same instant, at the most (spans still open count as running). */
export function peakConcurrency(spans: readonly WorkSpan[]): number {
  return peakOverlap(toIntervals(spans));
}

/** The spans as timeline intervals (ms from the first start), labelled by thread ("thread 3"). */
export function toIntervals(spans: readonly WorkSpan[], origin = Math.min(...spans.map((s) => s.start))): Interval[] {
  return spans.map((span) => {
    const interval: Interval = { label: `thread ${span.threadId}`, start: span.start - origin };
    if (span.end !== undefined) interval.end = span.end - origin;
    return interval;
  });
}

/** A drawing of who worked when: one row per span, labelled with its thread (filter by label first). */
export function drawWork(spans: readonly WorkSpan[], options: { width?: number; maxRows?: number } = {}): string {
  if (spans.length === 0) return '  (no work was reported)';
  const intervals = toIntervals(spans);
  const now = Math.max(...intervals.map((i) => i.end ?? i.start));
  return drawTimeline(intervals, { now, width: options.width ?? 30, maxRows: options.maxRows ?? 12 });
}
