// Exercise 04, step 2: the worker side. Piscina calls the default export with each task and sends
// back whatever it returns (or the error it throws).
import type { CrossingTask, EchoReply } from './crossing.ts';

// 'echo':   return { value, constructorName, threadId } (constructorName: value.constructor.name for
//           an object, null otherwise; threadId from 'node:worker_threads').
// 'invert': replace every byte b with 255 - b, and move the pixels back (Piscina.move).
// 'add':    add 1 to counter[0], `times` times, so that no increment from another thread is lost.
export default function handle(task: CrossingTask): EchoReply | Uint8Array | undefined {
  throw new Error(`TODO step 2: handle the '${task.kind}' task`);
}
