// A correct alternative: the deadline is an object of its own (a class): it owns the controller and the
// timer, exposes the promise that rejects at the deadline, and cancel() clears the timer.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

class Deadline {
  readonly controller = new AbortController();
  readonly expired: Promise<never>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly ms: number) {
    this.expired = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        const error = new DeadlineError(ms);
        this.controller.abort(error);
        reject(error);
      }, ms);
    });
    // The race listens while it runs; this keeps a rejection after the race has ended handled too.
    this.expired.catch(() => undefined);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const deadline = new Deadline(deadlineMs);
  try {
    return await Promise.race([task(deadline.signal), deadline.expired]);
  } finally {
    deadline.cancel();
  }
}
