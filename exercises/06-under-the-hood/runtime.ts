// Exercise 06, step 2: a runtime of your own. Replace each `throw` with your code; keep the types.
//
// A task is a generator function: `function* () { const user = yield db.get(1); return user.name; }`.
// Calling it runs nothing yet (like a Rust future, it is lazy); each `yield` hands you what the task
// waits for, and `generator.next(value)` resumes it with the result (`generator.throw(error)` makes
// the `yield` throw). You write the executor: a ready queue, a loop that resumes ready tasks oldest
// first, and a waker that puts a task back in the queue when what it yielded settles.

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

export class Runtime {
  // Puts a new task in the ready queue and returns its handle at once: the task's first line runs on
  // the executor's next turn (a microtask), never inside spawn. The executor resumes ready tasks in
  // the order they became ready, from the microtask queue: no timer, no polling. A task that yields a
  // promise (or any thenable) resumes when it settles, with its value, or with its error thrown at the
  // `yield`. A task that throws rejects its own join() and nothing else: no other task, no crash, no
  // unhandled rejection when nobody joins it.
  spawn<T>(name: string, body: () => Task<T>): JoinHandle<T> {
    throw new Error('TODO step 2: queue the task, run ready tasks from a microtask, wake them when their yield settles');
  }
}
