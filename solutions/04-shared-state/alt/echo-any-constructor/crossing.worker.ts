// A correct alternative worker: the constructor's name read with optional chaining on anything that
// arrives (a number reports "Number", a string "String"; null and undefined report null).
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CrossingTask, EchoReply } from '../../crossing.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind === 'echo') {
    const value: unknown = task.value;
    return { value, constructorName: (value as { constructor?: { name?: string } } | null | undefined)?.constructor?.name ?? null, threadId };
  }
  if (task.kind === 'invert') {
    const { pixels } = task;
    for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
    return Piscina.move(pixels) as Uint8Array;
  }
  for (let i = 0; i < task.times; i++) Atomics.add(task.counter, 0, 1);
  return undefined;
}
