// Known-wrong: the executor runs one task at a time to its end, awaiting each of its yields itself.
import { TaskCancelled, type JoinHandle, type Task } from '../../runtime.ts';
export * from '../../runtime.ts';

interface Queued {
  name: string;
  generator: Task<unknown>;
  dropped: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class Runtime {
  readonly #ready: Queued[] = [];
  #running = false;

  spawn<T>(name: string, body: () => Task<T>): JoinHandle<T> {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    result.catch(() => {});
    const task: Queued = { name, generator: body(), dropped: false, resolve, reject };
    this.#ready.push(task);
    if (!this.#running) queueMicrotask(() => void this.#run());
    this.#running = true;
    return {
      name,
      join: () => result,
      drop: () => {
        task.dropped = true;
        task.generator.return(undefined);
        reject(new TaskCancelled(name));
      },
    };
  }

  async #run(): Promise<void> {
    for (let task = this.#ready.shift(); task; task = this.#ready.shift()) {
      // Drive this task to its end before looking at the next one.
      let input: { ok: boolean; value: unknown } = { ok: true, value: undefined };
      try {
        for (;;) {
          const step = input.ok ? task.generator.next(input.value) : task.generator.throw(input.value);
          if (step.done) {
            task.resolve(step.value);
            break;
          }
          try {
            input = { ok: true, value: await step.value };
          } catch (error) {
            input = { ok: false, value: error };
          }
          if (task.dropped) break;
        }
      } catch (error) {
        task.reject(error);
      }
    }
    this.#running = false;
  }
}
