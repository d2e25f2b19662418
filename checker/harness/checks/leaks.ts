// What is still open after the code under test said it was done: timers (setTimeout, setInterval,
// AbortSignal.timeout on the fake clock), listeners on the event targets a test handed out, and
// MessagePorts. Each handle remembers where it was created, like why-is-node-running, because
// "1 timer left" teaches nothing and "a 100 ms setTimeout created at join.ts:42, still scheduled"
// points at the line to fix. Works under fake and real timers: it wraps whatever `setTimeout` is
// installed when the watch starts (start it *after* useFakeClock()), and puts it back on stop().
import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { onTestFinished } from 'vitest';
import { stackFrames } from '../words/stack-frames.ts';
import { HARNESS_DIR, KATA_ROOT } from '../where.ts';

export type HandleKind = 'timer' | 'interval' | 'AbortSignal.timeout' | 'promise timer' | 'listener' | 'port';

export interface OpenHandle {
  kind: HandleKind;
  /** What it is, in words: "a 100 ms setTimeout", "an 'abort' listener on the batch signal". */
  what: string;
  /** The first line of code outside the harness and node_modules that created it: `file:line:column`. */
  createdAt: string;
  /** When it was created, in ms since the watch began (the fake clock under fake timers). */
  createdAtMs: number;
  /** False for a timer that does not keep the process alive (unref'd). */
  keepsProcessAlive: boolean;
  /** A listener: the options it was added with that would have removed it by themselves (had its event fired, had that signal aborted). */
  addedWith?: { once: boolean; signal: boolean };
  /** A listener registered by setting an event handler property (`signal.onabort = …`): that property's name. */
  viaProperty?: string;
  /**
   * A listener that code tried to remove, with a removeEventListener call that removed nothing: given another
   * function (a new arrow with the same body, say) or the same function with another capture flag.
   */
  missedRemoval?: { at: string; otherCapture: boolean };
}

/** A timer the code under test cleared before it fired: when, and where. */
export interface ClearedTimer {
  what: string;
  /** The delay it was set for, in ms. */
  delayMs: number;
  createdAt: string;
  createdAtMs: number;
  /** The first line of code outside the harness that cleared it: `file:line:column`. */
  clearedAt: string;
  /** When, in ms since the watch began (the fake clock under fake timers). */
  clearedAtMs: number;
}

export interface HandleWatch {
  /** Handles opened since the watch began and not closed, cleared, fired or removed since. */
  open(): OpenHandle[];
  /** Timers (and intervals) the code under test cleared before they fired, in the order they were cleared. */
  cleared(): ClearedTimer[];
  /** Also watch listeners added to this target (say, a signal the test passes in), under this name. */
  watchListeners(target: EventTarget, name: string): void;
  /** One line per open handle, for a failure message. */
  describe(handles?: readonly OpenHandle[]): string;
  /**
   * Clears the timers and intervals still open, once the test has taken its snapshot: a leaked real timer
   * must not fire later, in another test (or another target of the same process), and reject there.
   */
  clearOpen(): void;
  /** Puts back everything the watch replaced. Safe to call twice. */
  stop(): void;
}

const ROOT = KATA_ROOT;
const HARNESS = HARNESS_DIR;

/** The label of the timer being created: lets an emulation (AbortSignal.timeout) name its own timer. */
let nextTimerLabel: { kind: HandleKind; what: string } | undefined;

/**
 * Creates a timer under this label. Scoped: with no watch active nothing takes the label, and it must
 * not fall to whatever timer a later test creates.
 */
export function labelTimer<T>(kind: HandleKind, what: string, create: () => T): T {
  nextTimerLabel = { kind, what };
  try {
    return create();
  } finally {
    nextTimerLabel = undefined;
  }
}

let active: HandleWatch | undefined;

type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };
type ListenOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: AbortSignal };
type Add = (type: string, listener: Listener | null, options?: ListenOptions) => void;

type TimerFn = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => unknown;
type ClearFn = (id: unknown) => void;

interface TimerRecord extends OpenHandle {
  id: unknown;
  delayMs: number;
  /** Made by setInterval (whatever its label says): cleared with clearInterval. */
  repeats: boolean;
}

interface ListenerRecord extends OpenHandle {
  target: EventTarget;
  type: string;
  listener: unknown;
  capture: boolean;
}

export function watchHandles(): HandleWatch {
  if (active) active.stop();
  const started = performance.now();
  const sinceStart = () => performance.now() - started;
  const timers = new Map<unknown, TimerRecord>();
  const listeners = new Set<ListenerRecord>();
  /** removeEventListener calls on a watched target that matched no listener ever added there. */
  const missedRemovals: { target: EventTarget; type: string; at: string; otherCapture: boolean }[] = [];
  const ports = new Set<{ port: MessagePort; record: OpenHandle }>();
  const restorers: (() => void)[] = [];

  const clearedTimers: ClearedTimer[] = [];
  const recordTimer = (id: unknown, kind: HandleKind, what: string, site: string | undefined, delayMs: number) => {
    const label = nextTimerLabel;
    nextTimerLabel = undefined;
    // The harness's own timers (simulated IO, probes) belong to the test's world, not to the code under test.
    if (site === undefined && !label) return;
    const record: TimerRecord = {
      id,
      delayMs,
      repeats: kind === 'interval',
      kind: label?.kind ?? kind,
      what: label?.what ?? what,
      createdAt: site ?? creationSite(new Error()),
      createdAtMs: sinceStart(),
      keepsProcessAlive: true,
    };
    timers.set(id, record);
    return record;
  };
  /** Forgets a timer that fired, or was cleared (then `clearedAt` says where, asked only for a timer the watch knows). */
  const forgetTimer = (id: unknown, clearedAt?: () => string) => {
    const forget = (record: TimerRecord) => {
      timers.delete(record.id);
      if (clearedAt === undefined) return;
      const { what, delayMs, createdAt, createdAtMs } = record;
      clearedTimers.push({ what, delayMs, createdAt, createdAtMs, clearedAt: clearedAt(), clearedAtMs: sinceStart() });
    };
    const exact = timers.get(id);
    if (exact) return forget(exact);
    // clearTimeout(42) works on a Timeout object whose number is 42: find it by its primitive value.
    for (const [key, record] of timers) {
      if (primitiveOf(key) === id || primitiveOf(key) === primitiveOf(id)) forget(record);
    }
  };

  const g = globalThis as unknown as Record<string, unknown>;
  const wrap = (name: string, wrapper: unknown) => {
    const original = g[name];
    copyProperties(original, wrapper);
    g[name] = wrapper;
    // Put it back only if nobody replaced it since (vi.useRealTimers() restores the real ones itself).
    restorers.push(() => {
      if (g[name] === wrapper) g[name] = original;
    });
  };

  const originalSetTimeout = g.setTimeout as TimerFn;
  const originalSetInterval = g.setInterval as TimerFn;
  const originalClearTimeout = g.clearTimeout as ClearFn;
  const originalClearInterval = g.clearInterval as ClearFn;
  wrap('setTimeout', function setTimeout(callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) {
    const site = ownSite(new Error());
    let id: unknown = undefined;
    const fire = (...fired: unknown[]) => {
      forgetTimer(id);
      callback(...fired);
    };
    id = originalSetTimeout(fire, delay, ...args);
    recordTimer(id, 'timer', `a ${Math.round(delay ?? 0)} ms setTimeout`, site, delay ?? 0);
    return id;
  });
  wrap('setInterval', function setInterval(callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) {
    const id = originalSetInterval(callback, delay, ...args);
    recordTimer(id, 'interval', `a ${Math.round(delay ?? 0)} ms setInterval`, ownSite(new Error()), delay ?? 0);
    return id;
  });
  wrap('clearTimeout', function clearTimeout(id: unknown) {
    const error = new Error();
    forgetTimer(id, () => creationSite(error));
    originalClearTimeout(id);
  });
  wrap('clearInterval', function clearInterval(id: unknown) {
    const error = new Error();
    forgetTimer(id, () => creationSite(error));
    originalClearInterval(id);
  });

  const OriginalChannel = globalThis.MessageChannel;
  class WatchedMessageChannel extends OriginalChannel {
    constructor() {
      super();
      const site = creationSite(new Error());
      for (const [port, name] of [
        [this.port1, 'port1'],
        [this.port2, 'port2'],
      ] as const) {
        const entry = {
          port,
          record: { kind: 'port' as const, what: `a MessageChannel's ${name}`, createdAt: site, createdAtMs: sinceStart(), keepsProcessAlive: true },
        };
        ports.add(entry);
        port.addEventListener('close', () => ports.delete(entry));
      }
    }
  }
  wrap('MessageChannel', WatchedMessageChannel);

  let stopped = false;
  const watch: HandleWatch = {
    open() {
      const openTimers = [...timers.values()].map((record) => {
        const { id, repeats: _r, delayMs: _d, ...handle } = record;
        return { ...handle, keepsProcessAlive: refd(id) };
      });
      const openListeners = [...listeners]
        .filter((record) => !(record.target instanceof AbortSignal && record.target.aborted))
        .map(({ target, type, listener: _l, capture: _c, ...handle }) => {
          const missed = missedRemovals.find((m) => m.target === target && m.type === type);
          return missed ? { ...handle, missedRemoval: { at: missed.at, otherCapture: missed.otherCapture } } : handle;
        });
      return [...openTimers, ...openListeners, ...[...ports].map((entry) => entry.record)];
    },
    cleared() {
      return [...clearedTimers];
    },
    watchListeners(target, name) {
      const add = (target.addEventListener as Add).bind(target);
      const remove = (target.removeEventListener as Add).bind(target);
      const once = new Map<unknown, (event: Event) => void>();
      /** Every listener ever added here, by type: a removal that matches none of them removed nothing. */
      const everAdded: { type: string; listener: unknown; capture: boolean }[] = [];
      const find = (type: string, listener: unknown, capture: boolean) =>
        [...listeners].find((r) => r.target === target && r.type === type && r.listener === listener && r.capture === capture);
      const own = target as unknown as Record<string, unknown>;
      own.addEventListener = (type: string, listener: Listener | null, options?: ListenOptions) => {
        if (!listener) return;
        const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
        everAdded.push({ type, listener, capture });
        if (!find(type, listener, capture)) {
          const property = handlerProperty(listener, type);
          const record: ListenerRecord = {
            target,
            type,
            listener,
            capture,
            kind: 'listener',
            what: property ? `the ${property} handler of ${name} (an '${type}' listener)` : `${/^[aeiou]/i.test(type) ? 'an' : 'a'} '${type}' listener on ${name}`,
            ...(property ? { viaProperty: property } : {}),
            createdAt: creationSite(new Error()),
            createdAtMs: sinceStart(),
            keepsProcessAlive: false,
            addedWith: { once: typeof options === 'object' && Boolean(options.once), signal: typeof options === 'object' && options.signal !== undefined },
          };
          listeners.add(record);
          // Added with { signal }: the platform removes it when that signal aborts, and so does its record.
          const until = typeof options === 'object' ? options.signal : undefined;
          if (until?.aborted) listeners.delete(record);
          // (Through EventTarget's own method: that signal may be watched too, and this listener is the watch's.)
          else if (until) EventTarget.prototype.addEventListener.call(until, 'abort', () => listeners.delete(record), { once: true });
          if (typeof options === 'object' && options.once) {
            // A once-listener removes itself when it fires: so does its record.
            const wrapped = (event: Event) => {
              listeners.delete(record);
              once.delete(listener);
              if (typeof listener === 'function') listener.call(target, event);
              else listener.handleEvent(event);
            };
            once.set(listener, wrapped);
            add(type, wrapped, options);
            return;
          }
        }
        add(type, listener, options);
      };
      own.removeEventListener = (type: string, listener: Listener | null, options?: ListenOptions) => {
        if (!listener) return;
        const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
        const record = find(type, listener, capture);
        if (record) listeners.delete(record);
        else if (!everAdded.some((a) => a.type === type && a.listener === listener && a.capture === capture)) {
          missedRemovals.push({ target, type, at: creationSite(new Error()), otherCapture: everAdded.some((a) => a.type === type && a.listener === listener) });
        }
        const wrapped = once.get(listener);
        once.delete(listener);
        remove(type, wrapped ?? listener, options);
      };
      restorers.push(() => {
        delete own.addEventListener;
        delete own.removeEventListener;
      });
    },
    clearOpen() {
      for (const record of timers.values()) {
        if (record.repeats) originalClearInterval(record.id);
        else originalClearTimeout(record.id);
      }
      timers.clear();
    },
    describe(handles = watch.open()) {
      return handles
        .map(
          (h) =>
            `  ${h.what}, created ${Math.round(h.createdAtMs)} ms in, at ${h.createdAt}` +
            (h.kind === 'listener' || h.keepsProcessAlive ? '' : ' (unref\'d: it does not keep the process alive)'),
        )
        .join('\n');
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const restore of restorers.reverse()) restore();
      if (active === watch) active = undefined;
    },
  };
  active = watch;
  try {
    onTestFinished(() => watch.stop());
  } catch {
    // Not inside a running test (a script): the caller stops it.
  }
  return watch;
}

/** `file:line:column` of the first stack frame outside the harness and node_modules. */
export function creationSite(error: Error): string {
  for (const frame of projectFrames(error)) {
    if (!frame.harness) return frame.site;
  }
  return '(a place outside this project)';
}

/** Like creationSite, but undefined when the harness itself created the handle (its first project frame). */
function ownSite(error: Error): string | undefined {
  const [first] = projectFrames(error).slice(1); // frame 0 is the wrapper in this module
  if (!first || first.harness) return undefined;
  return first.site;
}

function projectFrames(error: Error): { site: string; harness: boolean }[] {
  const frames: { site: string; harness: boolean }[] = [];
  for (const { file, line, column } of stackFrames(error.stack)) {
    if (file.includes(`${path.sep}node_modules${path.sep}`) || !file.startsWith(ROOT + path.sep)) continue;
    const harness = file.startsWith(HARNESS + path.sep) && !file.endsWith('.test.ts');
    frames.push({ site: `${path.relative(ROOT, file).split(path.sep).join('/')}:${line}:${column}`, harness });
  }
  return frames;
}

/**
 * What to do about a handle of this kind, in a learner's words. Given the handle itself, the advice fits
 * how it was made: a listener added with { once: true } or { signal } is told why that did not remove it.
 */
export function adviceFor(kind: HandleKind, handle?: OpenHandle): string {
  switch (kind) {
    case 'AbortSignal.timeout':
      return 'AbortSignal.timeout(ms) starts a timer that cannot be cleared: it stays scheduled until its time is up, long after the work is done, and then aborts a signal nobody needs (Node unrefs it, so it does not keep the process alive, but a server keeps one per request until each deadline passes). A deadline that cleans up after itself uses its own setTimeout and clears it when the work ends.';
    case 'promise timer':
      return 'A timer from node:timers/promises is cancelled only through the AbortSignal you gave it ({ signal }): abort that signal however the work ends (in a finally block), and handle the AbortError its promise then rejects with.';
    case 'timer':
      return 'Clear the timer however the work ends (clearTimeout in a finally block): success, failure, deadline or abort.';
    case 'interval':
      return 'Clear the interval however the work ends (clearInterval in a finally block).';
    case 'listener':
      if (handle?.viaProperty) return propertyAdvice(handle.viaProperty);
      if (handle?.missedRemoval) return missedRemovalAdvice(handle.missedRemoval);
      return listenerAdvice(handle?.addedWith);
    case 'port':
      return 'Close the port when you are done with it (port.close()).';
  }
}

/** One line of advice per different fix the handles need (listeners added in different ways get different ones). */
export function adviceForOpen(handles: readonly OpenHandle[]): string[] {
  return [...new Set(handles.map((handle) => adviceFor(handle.kind, handle)))];
}

function propertyAdvice(property: string): string {
  return `Setting ${property} does not add a listener of your own: the target holds one ${property} handler, so each piece of code that sets it replaces the one before (an event then reaches only whoever set it last), and setting it back to null leaves Node's handler registered. Add a listener of your own with addEventListener and remove it when the work ends (in a finally block); for an AbortSignal, AbortSignal.any([batch, own.signal]) needs no listener at all.`;
}

function missedRemovalAdvice(missed: NonNullable<OpenHandle['missedRemoval']>): string {
  return missed.otherCapture
    ? `removeEventListener ran (at ${missed.at}) with the function that was added but another capture flag, so it removed nothing: remove a listener with the same capture flag it was added with.`
    : `removeEventListener ran (at ${missed.at}), but removed nothing: the function it was given is not the function that was added. Two arrow functions with the same body are two different functions: keep the listener in a variable (\`const forward = () => controller.abort()\`) and pass that same variable to addEventListener and to removeEventListener.`;
}

/** Node registers `target.onabort = fn` as a listener of its own, a function that holds `fn` in its `handler` property. */
function handlerProperty(listener: unknown, type: string): string | undefined {
  return typeof listener === 'function' && Object.hasOwn(listener, 'handler') && listener.name === 'eventHandler' ? `on${type}` : undefined;
}

function listenerAdvice(addedWith: OpenHandle['addedWith']): string {
  const remove = 'Remove it yourself when the work ends, however it ends (removeEventListener in a finally block)';
  const once = addedWith?.once ?? false;
  const signal = addedWith?.signal ?? false;
  if (once && signal) {
    return `A listener added with { once: true, signal } goes away only when its event fires or that signal aborts, and neither had happened when the work ended. ${remove}.`;
  }
  if (once) {
    return `A listener added with { once: true } goes away only when its event fires, and the work ended without that event. ${remove}.`;
  }
  if (signal) {
    return `A listener added with { signal } goes away only when that signal aborts, and it had not aborted when the work ended. ${remove}, or abort that signal's controller there.`;
  }
  return 'Remove the listener when the work ends, however it ends (removeEventListener in a finally block). Adding it with { once: true } would not be enough: such a listener goes away only when its event fires; with { signal }, only when that signal aborts.';
}

function primitiveOf(id: unknown): unknown {
  if (id !== null && typeof id === 'object' && Symbol.toPrimitive in id) {
    return (id as { [Symbol.toPrimitive](): unknown })[Symbol.toPrimitive]();
  }
  return id;
}

function refd(id: unknown): boolean {
  const timer = id as { hasRef?: () => boolean } | null;
  return typeof timer?.hasRef === 'function' ? timer.hasRef() : true;
}

function copyProperties(from: unknown, to: unknown): void {
  if (typeof from !== 'function' || typeof to !== 'function') return;
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const descriptor = Object.getOwnPropertyDescriptor(from, key);
    if (descriptor) Object.defineProperty(to, key, descriptor);
  }
}
