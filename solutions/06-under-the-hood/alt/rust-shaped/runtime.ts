// A correct alternative shaped like a Rust executor: a task is polled with a waker and answers
// Ready or Pending, as Future::poll does; the waker is an object whose wake() puts its task back in
// the executor's ready queue. The queue holds tasks; what a task resumes with waits on the task.

/** What a generator function returns: each `yield` is an await point. */
export type Task<T> = Generator<unknown, T, unknown>;

export { TaskCancelled, type JoinHandle } from '../../runtime.ts';
import { TaskCancelled, type JoinHandle } from '../../runtime.ts';

type Poll<T> = { ready: true; value: T } | { ready: false };
type Input = { value: unknown } | { error: unknown };

class SpawnedTask<T = unknown> {
  input: Input = { value: undefined };
  finished = false;

  constructor(
    readonly name: string,
    readonly generator: Task<T>,
    readonly resolve: (value: T) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  /** Future::poll: run to the next await point, leaving the waker on what the task waits for. */
  poll(waker: Waker): Poll<T> {
    const input = this.input;
    const step = 'error' in input ? this.generator.throw(input.error) : this.generator.next(input.value);
    if (step.done) return { ready: true, value: step.value };
    Promise.resolve(step.value).then(
      (value) => waker.wake({ value }),
      (error: unknown) => waker.wake({ error }),
    );
    return { ready: false };
  }
}

class Waker {
  constructor(
    private readonly executor: Runtime,
    private readonly task: SpawnedTask,
  ) {}

  wake(input: Input): void {
    this.executor.schedule(this.task, input);
  }
}

export class Runtime {
  private readonly ready: SpawnedTask[] = [];
  private scheduled = false;

  spawn<T>(name: string, body: () => Task<T>): JoinHandle<T> {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    result.catch(() => {});
    const task = new SpawnedTask<T>(name, body(), resolve, reject);
    this.schedule(task as SpawnedTask, { value: undefined });
    return { name, join: () => result, drop: () => this.drop(task as SpawnedTask) };
  }

  /** What a waker calls: the task is ready again. */
  schedule(task: SpawnedTask, input: Input): void {
    if (task.finished) return;
    task.input = input;
    this.ready.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    for (let task = this.ready.shift(); task; task = this.ready.shift()) {
      if (task.finished) continue;
      try {
        const poll = task.poll(new Waker(this, task));
        if (poll.ready) {
          task.finished = true;
          task.resolve(poll.value);
        }
      } catch (error) {
        task.finished = true;
        task.reject(error);
      }
    }
  }

  private drop(task: SpawnedTask): void {
    if (task.finished) return;
    task.finished = true;
    try {
      task.generator.return(undefined);
    } catch (error) {
      task.reject(error);
      return;
    }
    task.reject(new TaskCancelled(task.name));
  }
}
