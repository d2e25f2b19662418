// Alternative: Shaped like the co library: no ready queue, spawn() queues one microtask per task, and the
// task is resumed right inside the then() callback that heard its promise settle.
// A task is a generator. There is no executor loop: the microtask queue is the ready queue. spawn()
// queues the task's first turn, and the callback that hears its promise settle resumes it on the spot,
// the way `await` resumes an async function (and the co library a generator).

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
    queueMicrotask(() => {
      if (!task.finished) this.#poll(task, { ok: true, value: undefined });
    });
    return {
      name,
      join: () => result,
      drop: () => this.#drop(task),
    };
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
    // Pending: the waker is the callback itself; it resumes the task as soon as what it awaits settles.
    Promise.resolve(step.value).then(
      (value) => {
        if (!task.finished) this.#poll(task, { ok: true, value });
      },
      (error: unknown) => {
        if (!task.finished) this.#poll(task, { ok: false, error });
      },
    );
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
