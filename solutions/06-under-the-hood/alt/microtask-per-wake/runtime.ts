// A correct alternative: no ready queue of its own. Each wake queues one microtask that resumes the
// task, so the microtask queue *is* the ready queue: it is first in, first out, and nothing else
// runs before it.

/** What a generator function returns: each `yield` is an await point. */
export type Task<T> = Generator<unknown, T, unknown>;

export { TaskCancelled, type JoinHandle } from '../../runtime.ts';
import { TaskCancelled, type JoinHandle } from '../../runtime.ts';

export class Runtime {
  spawn<T>(name: string, body: () => Task<T>): JoinHandle<T> {
    const generator = body();
    let finished = false;
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    result.catch(() => {});

    const resume = (step: () => IteratorResult<unknown, T>) => {
      if (finished) return;
      let next: IteratorResult<unknown, T>;
      try {
        next = step();
      } catch (error) {
        finished = true;
        reject(error);
        return;
      }
      if (next.done) {
        finished = true;
        resolve(next.value);
        return;
      }
      Promise.resolve(next.value).then(
        (value) => wake(() => generator.next(value)),
        (error: unknown) => wake(() => generator.throw(error)),
      );
    };
    const wake = (step: () => IteratorResult<unknown, T>) => queueMicrotask(() => resume(step));

    wake(() => generator.next());
    return {
      name,
      join: () => result,
      drop: () => {
        if (finished) return;
        finished = true;
        try {
          generator.return(undefined as T);
        } catch (error) {
          reject(error);
          return;
        }
        reject(new TaskCancelled(name));
      },
    };
  }
}
