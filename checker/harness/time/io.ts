// Simulated IO: a call that waits a given latency on a timer (so vitest's fake timers control it
// exactly), records itself on a timeline and in an in-flight counter, and honours an AbortSignal.
import { InFlightCounter } from '../checks/in-flight.ts';
import { Timeline } from './timeline.ts';

export interface IoCallOptions<T> {
  latencyMs?: number;
  value?: T;
  /** Make the call reject with this error once its latency has passed. */
  error?: Error;
  signal?: AbortSignal;
}

/** One call that reached the service, started or not. */
export interface IoAttempt {
  label: string;
  atMs: number;
  /** Its own signal had already aborted: the service refused it at once (it still reached the service). */
  refused: boolean;
  /** Made after the signal given to `watchCancel` had aborted. */
  afterCancel: boolean;
}

export class SimulatedIo {
  readonly timeline = new Timeline();
  readonly inFlight = new InFlightCounter();
  /** Labels in the order the calls started and ended: order evidence without timing. */
  readonly started: string[] = [];
  readonly finished: string[] = [];
  /** Every call that reached the service, in order, including those refused for an aborted signal. */
  readonly attempts: IoAttempt[] = [];
  /**
   * The reason each aborted (or refused) call was stopped with, by label: the very object, so a test can
   * tell whose abort stopped it (one call's timeout error stopping another means they shared a controller).
   */
  readonly abortedWith = new Map<string, unknown>();
  private openTimers = 0;
  private cancel: AbortSignal | undefined;

  constructor(readonly latencyMs = 100) {}

  /**
   * Watches a cancel signal (a batch's, a fan-out's): every call made once it has aborted is counted
   * in `callsAfterCancel`, refused or not. "Queued calls never start" is judged while the code runs.
   */
  watchCancel(signal: AbortSignal): void {
    this.cancel = signal;
  }

  /** Calls that reached the service after the watched cancel signal aborted. */
  get callsAfterCancel(): IoAttempt[] {
    return this.attempts.filter((attempt) => attempt.afterCancel);
  }

  /** One IO call, started now. */
  call<T = string>(label: string, options: IoCallOptions<T> = {}): Promise<T> {
    const { latencyMs = this.latencyMs, signal } = options;
    const value = (options.value ?? `${label} done`) as T;
    const refused = Boolean(signal?.aborted);
    this.attempts.push({ label, atMs: this.timeline.now(), refused, afterCancel: Boolean(this.cancel?.aborted) });
    if (refused) {
      this.abortedWith.set(label, signal?.reason);
      return Promise.reject(abortReason(signal));
    }
    this.started.push(label);
    this.inFlight.enter();
    const end = this.timeline.begin(label);
    this.openTimers++;
    return new Promise<T>((resolve, reject) => {
      const finish = (outcome: 'ok' | 'failed' | 'aborted') => {
        this.openTimers--;
        this.inFlight.exit();
        this.finished.push(label);
        end(outcome);
        if (signal) EventTarget.prototype.removeEventListener.call(signal, 'abort', onAbort);
      };
      const timer = setTimeout(() => {
        if (options.error) {
          finish('failed');
          reject(options.error);
        } else {
          finish('ok');
          resolve(value);
        }
      }, latencyMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.abortedWith.set(label, signal?.reason);
        finish('aborted');
        reject(abortReason(signal));
      };
      // The service's own listener, through EventTarget's own method: a handle watch that watches this signal
      // (watchListeners) counts the listeners of the code under test, and this one is the service's, gone when the call ends.
      if (signal) EventTarget.prototype.addEventListener.call(signal, 'abort', onAbort, { once: true });
    });
  }

  /** A task that has not started yet: calling it starts the IO. This is what the exercises join. */
  task<T = string>(label: string, options: IoCallOptions<T> = {}): () => Promise<T> {
    return () => this.call(label, options);
  }

  /** Like `task`, but the task accepts an AbortSignal and stops waiting when it fires. */
  abortableTask<T = string>(
    label: string,
    options: Omit<IoCallOptions<T>, 'signal'> = {},
  ): (signal?: AbortSignal) => Promise<T> {
    return (signal) => this.call(label, { ...options, signal });
  }

  /** IO calls still waiting on their timer. */
  get pending(): number {
    return this.openTimers;
  }

  draw(notes?: Record<string, string>): string {
    return this.timeline.draw({ notes });
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  // An AbortSignal's reason is an Error unless someone aborted with a plain value: wrap that case.
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(reason === undefined ? 'This operation was aborted' : JSON.stringify(reason), 'AbortError');
}
