// Correct alternative, the worker side: invert, then move the bare ArrayBuffer back (invertOnThread wraps it).
import { Piscina } from 'piscina';
import type { CrossingTask, EchoReply } from '../../crossing.ts';
import reference from '../../crossing.worker.ts';

export default function handle(task: CrossingTask): EchoReply | Uint8Array | ArrayBuffer | undefined {
  if (task.kind !== 'invert') return reference(task);
  const { pixels } = task;
  for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
  return Piscina.move(pixels.buffer as ArrayBuffer) as ArrayBuffer;
}
