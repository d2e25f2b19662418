// Reference solution for exercise 04, step 2: the worker side. Piscina calls the default export.
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CrossingTask, EchoReply } from './crossing.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  switch (task.kind) {
    case 'echo': {
      const { value } = task;
      const constructorName = typeof value === 'object' && value !== null ? (value.constructor?.name ?? null) : null;
      return { value, constructorName, threadId };
    }
    case 'invert': {
      const { pixels } = task;
      for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
      // Move it back too: the main thread gets the buffer, this thread gives it up.
      return Piscina.move(pixels) as Uint8Array;
    }
    case 'add': {
      // Atomics.add is one indivisible read-modify-write: no increment is lost between threads.
      for (let i = 0; i < task.times; i++) Atomics.add(task.counter, 0, 1);
      return undefined;
    }
  }
}
