// Alternative: The waker follows a thenable by hand and each yield carries a ticket (the task counts its
// yields): a wake-up counts only for the yield it was made for, and only once.
// A task is a generator: calling the generator function runs nothing (lazy, like a Rust future), and
// each `yield` hands the executor what the task waits for. The executor keeps a ready queue; it
// resumes ("polls") the task at the front, and when the task yields, registers a waker on what it
// yielded and moves on. The waker puts the task back in the queue once that settles. No timer, no
// thread: everything runs from the microtask queue.

/** What a generator function returns: each `yield` is an await point. */
export type Task<T> = Generator<unknown, T, unknown>;

/** The reason `join()` rejects for a task that was dropped before it finished. */
export class TaskCancelled extends Error {
  override name = 'TaskCancelled';
  constructor(readonly task: string) {
    super(`task "${task}" was dropped before it finished`);
  }
}

export interface JoinHandle<T> {
  readonly name: string;
  /** The task's return value; rejects with the error it threw, or with TaskCancelled if dropped. */
  join(): Promise<T>;
  /** Cancels the task: it never resumes, and its `finally` blocks run now (`generator.return()`). */
  drop(): void;
}

/** What resumes a task: the value its await produced, or the error to throw at its `yield`. */
type Input = { ok: true; value: unknown } | { ok: false; error: unknown };

interface TaskState {
  readonly name: string;
  readonly generator: Task<unknown>;
  /** Done, failed or dropped: the ready queue and the waker leave it alone from now on. */
  finished: boolean;
  /** How many times it has yielded, and the last yield that woke it. */
  yields: number;
  woken: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class Runtime {
  readonly #ready: { task: TaskState; input: Input }[] = [];
  #scheduled = false;

  spawn<T>(name: string, body: () => Task<T>): JoinHandle<T> {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A failed task keeps its error for whoever joins it; nobody joining is not a crash.
    result.catch(() => {});
    const task: TaskState = { name, generator: body(), finished: false, yields: 0, woken: 0, resolve, reject };
    this.#wake(task, { ok: true, value: undefined });
    return {
      name,
      join: () => result,
      drop: () => this.#drop(task),
    };
  }

  /** The waker: the task is ready again; run it on the executor's next turn. */
  #wake(task: TaskState, input: Input): void {
    this.#ready.push({ task, input });
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#runReady());
  }

  /** The executor's loop: resume every ready task, oldest first, until none is ready. */
  #runReady(): void {
    this.#scheduled = false;
    for (let next = this.#ready.shift(); next; next = this.#ready.shift()) {
      if (!next.task.finished) this.#poll(next.task, next.input);
    }
  }

  /** Resumes the task until its next `yield` (pending) or its end (ready). */
  #poll(task: TaskState, input: Input): void {
    let step: IteratorResult<unknown, unknown>;
    try {
      step = input.ok ? task.generator.next(input.value) : task.generator.throw(input.error);
    } catch (error) {
      task.finished = true;
      task.reject(error);
      return;
    }
    if (step.done) {
      task.finished = true;
      task.resolve(step.value);
      return;
    }
    // Pending: a ticket for this yield; only a wake-up that carries the current ticket counts.
    const ticket = ++task.yields;
    const wake = (input: Input) => {
      if (task.finished || task.yields !== ticket || task.woken === ticket) return;
      task.woken = ticket;
      this.#wake(task, input);
    };
    const value = step.value;
    let then: unknown;
    try {
      then = (typeof value === 'object' && value !== null) || typeof value === 'function' ? (value as { then?: unknown }).then : undefined;
    } catch (error) {
      wake({ ok: false, error });
      return;
    }
    if (typeof then !== 'function') {
      queueMicrotask(() => wake({ ok: true, value }));
      return;
    }
    queueMicrotask(() => {
      try {
        (then as (this: unknown, f: (v: unknown) => void, r: (e: unknown) => void) => void).call(
          value,
          (v) => wake({ ok: true, value: v }),
          (e) => wake({ ok: false, error: e }),
        );
      } catch (error) {
        wake({ ok: false, error });
      }
    });
  }

  #drop(task: TaskState): void {
    if (task.finished) return;
    task.finished = true;
    try {
      // Runs the task's `finally` blocks where it is parked, as dropping a Rust future runs its Drop.
      task.generator.return(undefined);
    } catch (error) {
      task.reject(error);
      return;
    }
    task.reject(new TaskCancelled(task.name));
  }
}
