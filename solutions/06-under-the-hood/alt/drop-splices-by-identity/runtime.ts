// Alternative: drop() takes the task's own entry out of the ready queue (found by identity) instead of
// leaving a mark for the executor to skip.
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
    const task: TaskState = { name, generator: body(), finished: false, resolve, reject };
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
      this.#poll(next.task, next.input);
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
    // Pending: register the waker on what the task waits for, and move on.
    Promise.resolve(step.value).then(
      (value) => {
        if (!task.finished) this.#wake(task, { ok: true, value });
      },
      (error: unknown) => {
        if (!task.finished) this.#wake(task, { ok: false, error });
      },
    );
  }

  #drop(task: TaskState): void {
    if (task.finished) return;
    task.finished = true;
    const queued = this.#ready.findIndex((entry) => entry.task === task);
    if (queued >= 0) this.#ready.splice(queued, 1);
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
