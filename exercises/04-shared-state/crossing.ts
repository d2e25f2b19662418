// Exercise 04, step 2: what crosses a thread. The worker side is crossing.worker.ts.
// Replace each `throw` with your code. The types are the contract: keep the signatures.
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

// Turn a Job into plain data (no class, no methods): what you can send.
export function toMessage(job: Job): JobMessage {
  throw new Error('TODO step 2: copy the fields into a plain object');
}

// Rebuild a real Job from plain data that came across.
export function fromMessage(message: JobMessage): Job {
  throw new Error('TODO step 2: build a new Job from the message');
}

// Send `value` to a worker thread ('echo' task) and resolve with its reply. Let errors through.
export async function echo(pool: Piscina, value: unknown): Promise<EchoReply> {
  throw new Error('TODO step 2: run an echo task on the pool');
}

// Invert every byte (b -> 255 - b) on a worker thread, *moving* the pixels there instead of copying them.
export async function invertOnThread(pool: Piscina, pixels: Uint8Array): Promise<Uint8Array> {
  throw new Error('TODO step 2: run an invert task, with the pixels in the transfer list');
}

// Run `threads` 'add' tasks at once; each adds 1 to counter[0], `times` times.
export async function addOnThreads(pool: Piscina, counter: Int32Array, threads: number, times: number): Promise<void> {
  throw new Error('TODO step 2: run the add tasks in parallel and wait for all of them');
}
