// A correct alternative: no promise per task until someone joins. Each task records its outcome when it
// ends; join() hands out a new promise, settled at once from the outcome if there is one, or kept in the
// task's list of joiners until it ends. Nobody joining a failed task means no promise, so nothing unhandled.

export type Task<T> = Generator<unknown, T, unknown>;

export class TaskCancelled extends Error {
  override name = 'TaskCancelled';
  constructor(readonly task: string) {
    super(`task "${task}" was dropped before it finished`);
  }
}

export interface JoinHandle<T> {
  readonly name: string;
  join(): Promise<T>;
  drop(): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

class TaskRecord {
  outcome: Outcome | undefined;
  readonly joiners: { resolve(value: unknown): void; reject(error: unknown): void }[] = [];

  constructor(
    readonly name: string,
    readonly generator: Task<unknown>,
  ) {}

  end(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    for (const joiner of this.joiners.splice(0)) {
      if (outcome.ok) joiner.resolve(outcome.value);
      else joiner.reject(outcome.error);
    }
  }

  join(): Promise<unknown> {
    const outcome = this.outcome;
    // A task may throw anything, so its error is passed on as it is.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (outcome) return outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error);
    return new Promise((resolve, reject) => this.joiners.push({ resolve, reject }));
  }
}

export class Runtime {
  private queue: { task: TaskRecord; input: Outcome }[] = [];
  private turnScheduled = false;

  spawn<T>(name: string, body: () => Task<T>): JoinHandle<T> {
    const task = new TaskRecord(name, body());
    this.ready(task, { ok: true, value: undefined });
    return {
      name,
      join: () => task.join() as Promise<T>,
      drop: () => {
        if (task.outcome) return;
        const cancelled = new TaskCancelled(name);
        task.outcome = { ok: false, error: cancelled }; // the waker and the queue see it as over from here on
        let outcome: Outcome = { ok: false, error: cancelled };
        try {
          task.generator.return(undefined);
        } catch (error) {
          outcome = { ok: false, error };
        }
        task.outcome = undefined;
        task.end(outcome);
      },
    };
  }

  private ready(task: TaskRecord, input: Outcome): void {
    this.queue.push({ task, input });
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    queueMicrotask(() => this.turn());
  }

  private turn(): void {
    this.turnScheduled = false;
    while (this.queue.length > 0) {
      const { task, input } = this.queue.shift()!;
      if (task.outcome) continue;
      let step: IteratorResult<unknown, unknown>;
      try {
        step = input.ok ? task.generator.next(input.value) : task.generator.throw(input.error);
      } catch (error) {
        task.end({ ok: false, error });
        continue;
      }
      if (step.done) {
        task.end({ ok: true, value: step.value });
        continue;
      }
      Promise.resolve(step.value).then(
        (value) => task.outcome || this.ready(task, { ok: true, value }),
        (error: unknown) => task.outcome || this.ready(task, { ok: false, error }),
      );
    }
  }
}
