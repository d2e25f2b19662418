/// <reference lib="es2024.sharedmemory" />
// Correct alternative for exercise 03, the worker side: a whole picture (moved in and out, as in the
// reference), or a stripe of a shared picture, written into the shared result.
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import resizeTask, { type ResizeResult } from '../../resize.worker.ts';

export interface StripeTask {
  /** The whole input picture, shared by every thread. */
  input: Uint8Array;
  /** The whole output picture, shared: this task writes its rows only. */
  output: Uint8Array;
  width: number;
  outRow: number;
  outRows: number;
}

export default function handle(task: RgbaImage | StripeTask): ResizeResult | undefined {
  if (!('input' in task)) return resizeTask(task);
  const { input, output, width, outRow, outRows } = task;
  const row = width * 4;
  // A view of this stripe's input rows (no copy), downscaled, then written where its rows belong.
  const rows = input.subarray(2 * outRow * row, 2 * (outRow + outRows) * row);
  const stripe = downscale({ width, height: 2 * outRows, data: rows });
  output.set(stripe.data, outRow * Math.floor(width / 2) * 4);
  return undefined;
}
