// Correct alternative (see crossing.ts): the worker adds its whole share with one Atomics.add.
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CrossingTask, EchoReply } from '../../crossing.ts';

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
      return Piscina.move(pixels) as Uint8Array;
    }
    case 'add': {
      // One atomic read-modify-write for the whole share: the same total, one step.
      Atomics.add(task.counter, 0, task.times);
      return undefined;
    }
  }
}
