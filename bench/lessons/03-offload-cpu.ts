// Lesson 03: CPU work. On the main thread it freezes the event loop, async or not; on a worker pool
// the loop keeps answering. Moving a buffer to a thread costs nothing, copying it costs a memcpy; and
// splitting the work over the pool's threads divides the time by (nearly) the number of cores.
import os from 'node:os';
import { Piscina } from 'piscina';
import { probeWhile } from '../../checker/harness/index.ts';
import { ms, ratio, timeMs, type Row } from '../measure.ts';
import { loadModule, loadSolution } from '../solutions.ts';

interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

interface Resizer {
  resize(image: RgbaImage): Promise<RgbaImage>;
  resizeParallel(image: RgbaImage): Promise<RgbaImage>;
  close(): Promise<void>;
}

interface ResizeModule {
  ImageResizer: new (options?: { threads?: number }) => Resizer;
}

interface ImageModule {
  createTestImage(width: number, height: number, seed?: number): RgbaImage;
  copyImage(image: RgbaImage): RgbaImage;
}

const WIDTH = 2048;
const HEIGHT = 1536;
const BUFFER_MB = 64;

export async function lesson03(): Promise<Row[]> {
  const images = await loadModule<ImageModule>('exercises/03-offload-cpu/image.ts', ['createTestImage', 'copyImage']);
  const reference = await loadSolution<ResizeModule>('03-offload-cpu/resize.ts', ['ImageResizer']);
  const onMain = await loadSolution<ResizeModule>('03-offload-cpu/wrong/async-on-main-thread/resize.ts', ['ImageResizer']);
  const copying = await loadSolution<ResizeModule>('03-offload-cpu/wrong/copy-not-move/resize.ts', ['ImageResizer']);
  const oneThread = await loadSolution<ResizeModule>('03-offload-cpu/wrong/one-thread-parallel/resize.ts', ['ImageResizer']);
  const image = images.createTestImage(WIDTH, HEIGHT);
  const megapixels = `${((WIDTH * HEIGHT) / 1e6).toFixed(1)} MP`;
  const cores = Math.max(2, os.availableParallelism());

  const rows: Row[] = [];
  rows.push({
    group: '03 offload CPU',
    what: `resize a ${megapixels} image: the event loop meanwhile (reference vs async on the main thread)`,
    reference: await withResizer(reference, cores, async (resizer) => loopWhile(() => resizer.resize(images.copyImage(image)))),
    wrong: await withResizer(onMain, cores, async (resizer) => loopWhile(() => resizer.resize(images.copyImage(image)))),
    point: 'offloaded, the loop keeps ticking; async alone still blocks it',
  });

  rows.push(await copyVersusTransfer());

  const moved = async (module: ResizeModule) =>
    withResizer(module, cores, async (resizer) => {
      const sent = images.copyImage(image);
      const elapsed = await timeMs(() => resizer.resize(sent));
      return `${ms(elapsed)}, sender keeps ${(sent.data.byteLength / 1e6).toFixed(1)} MB`;
    });
  rows.push({
    group: '03 offload CPU',
    what: `resize a ${megapixels} image: the pixels moved or copied (reference vs copy-not-move)`,
    reference: await moved(reference),
    wrong: await moved(copying),
    point: 'moved: the sender gives the buffer up (0 MB left), nothing is copied',
  });

  const speed: string[] = [];
  let single = 0;
  for (let threads = 1; threads <= cores; threads++) {
    const best = await withResizer(reference, threads, (resizer) => bestOf(3, () => resizer.resizeParallel(image)));
    if (threads === 1) single = best;
    speed.push(`${threads}: ${ms(best)}${threads > 1 ? ` (${ratio(single / best)})` : ''}`);
  }
  const flat = await withResizer(oneThread, cores, (resizer) => bestOf(3, () => resizer.resizeParallel(image)));
  rows.push({
    group: '03 offload CPU',
    what: `split a ${megapixels} resize over 1..${cores} pool threads (reference vs one thread)`,
    reference: speed.join(' · '),
    wrong: `${cores}: ${ms(flat)} (${ratio(single / flat)})`,
    point: `stripes on every core: close to ${cores}x on ${cores} cores`,
  });
  return rows;
}

async function withResizer<T>(module: ResizeModule, threads: number, use: (resizer: Resizer) => Promise<T>): Promise<T> {
  const resizer = new module.ImageResizer({ threads });
  try {
    // Warm every thread first (a fresh worker spends a few hundred ms loading its file).
    const small = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4) };
    await Promise.all(Array.from({ length: threads }, () => resizer.resize({ ...small, data: small.data.slice() })));
    return await use(resizer);
  } finally {
    await resizer.close();
  }
}

async function loopWhile(work: () => Promise<unknown>): Promise<string> {
  const { report } = await probeWhile(work);
  return `largest gap ${ms(report.maxGapMs)}, ELU ${report.utilization.toFixed(2)}`;
}

async function bestOf(runs: number, work: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, await timeMs(work));
  return best;
}

/** The trip itself, without the kata's code: a big buffer to a worker thread, structured-cloned or transferred. */
async function copyVersusTransfer(): Promise<Row> {
  const pool = new Piscina<Uint8Array, number>({
    filename: new URL('../workers/byte-length.ts', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
  });
  try {
    await pool.run(new Uint8Array(1));
    const buffer = () => new Uint8Array(BUFFER_MB * 1024 * 1024).fill(7);
    let copy = Infinity;
    let transfer = Infinity;
    let left = -1;
    for (let i = 0; i < 5; i++) {
      const copied = buffer();
      copy = Math.min(copy, await timeMs(() => pool.run(copied)));
      const moved = buffer();
      transfer = Math.min(transfer, await timeMs(() => pool.run(moved, { transferList: [moved.buffer] })));
      left = moved.byteLength;
    }
    return {
      group: '03 offload CPU',
      what: `send a ${BUFFER_MB} MB buffer to a worker thread (transfer vs copy)`,
      reference: `${ms(transfer)} (sender left with ${left} bytes)`,
      wrong: ms(copy),
      point: `a transfer hands the memory over; a copy costs ${ratio(copy / transfer)} the time`,
    };
  } finally {
    await pool.close();
  }
}
