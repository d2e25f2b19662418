// Correct alternative: the worker moves the pixels' ArrayBuffer back (not the Uint8Array), and invertOnThread wraps it again.
import type { Piscina } from 'piscina';

/** A resize job as the main thread knows it: a class, with a method. */
export class Job {
  constructor(
    readonly id: number,
    readonly width: number,
    readonly height: number,
  ) {}

  area(): number {
    return this.width * this.height;
  }
}

/** The same job as plain data: the only shape that crosses a thread intact. */
export interface JobMessage {
  id: number;
  width: number;
  height: number;
}

/** The tasks crossing.worker.ts understands. */
export type CrossingTask =
  | { kind: 'echo'; value: unknown }
  | { kind: 'invert'; pixels: Uint8Array }
  | { kind: 'add'; counter: Int32Array; times: number };

/** What the worker saw: the value it received (sent back), its constructor's name there, and its thread. */
export interface EchoReply {
  value: unknown;
  constructorName: string | null;
  threadId: number;
}

// Plain data only: own fields, no prototype, no methods.
export function toMessage(job: Job): JobMessage {
  return { id: job.id, width: job.width, height: job.height };
}

// Rebuild the class on this side: identity does not travel, so we restore it by hand.
export function fromMessage(message: JobMessage): Job {
  return new Job(message.id, message.width, message.height);
}

// Copy: postMessage structured-clones the value; DataCloneError (a function, say) rejects the call.
export async function echo(pool: Piscina, value: unknown): Promise<EchoReply> {
  return (await pool.run({ kind: 'echo', value } satisfies CrossingTask)) as EchoReply;
}

// Move: the transfer list hands the buffer over; our view is left with byteLength 0.
export async function invertOnThread(pool: Piscina, pixels: Uint8Array): Promise<Uint8Array> {
  const task: CrossingTask = { kind: 'invert', pixels };
  // The worker moves the bare buffer back; a new view over it is the inverted image.
  const buffer = (await pool.run(task, { transferList: [pixels.buffer as ArrayBuffer] })) as ArrayBuffer;
  return new Uint8Array(buffer);
}

// Share: every thread gets a view of the same memory only if it lives in a SharedArrayBuffer.
export async function addOnThreads(pool: Piscina, counter: Int32Array, threads: number, times: number): Promise<void> {
  const task: CrossingTask = { kind: 'add', counter, times };
  await Promise.all(Array.from({ length: threads }, () => pool.run(task)));
}
