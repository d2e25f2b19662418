// Known-wrong: the pixels are moved to the worker but copied back: the worker returns the array as it is,
// without Piscina.move, so a second 256 KiB structured clone happens on the way back.
import { threadId } from 'node:worker_threads';
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import handle from '../../crossing.worker.ts';

export default function handleCopyBack(task: CrossingTask): EchoReply | Uint8Array | undefined {
  if (task.kind === 'invert') {
    const { pixels } = task;
    for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
    return pixels; // the mistake: copied back
  }
  void threadId;
  return handle(task);
}
