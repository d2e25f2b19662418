// Exercise 03 tests. Each `describe` is one graded step. CPU work is real work here, so the timing tests
// compare against a baseline measured in the same test; the rest is machine-independent evidence:
// which thread ran each downscale and when (image.ts reports it), which worker threads the code started
// and which still run (a watch on worker_threads), detached buffers, exact pixels. Nothing here looks
// inside your pool: a piscina pool and hand-made worker threads are judged alike.
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  BareThreads,
  describeCriticalPath,
  describeError,
  describeSpeedup,
  flushMicrotasks,
  drawWork,
  fail,
  judgeParallelism,
  listenToWork,
  ms,
  parallelMistake,
  parallelThreads,
  piecesOf,
  probeWhile,
  skipFor,
  timed,
  wallClock,
  watchWorkers,
  type EventLoopReport,
  type ParallelAttempt,
  type WatchedWorker,
  type WorkerWatch,
} from '../../checker/harness/index.ts';
import { DOWNSCALE_LABEL, copyImage, createTestImage, describeImage, downscale, sameImage, type RgbaImage } from './image.ts';
import { ImageResizer } from './resize.ts';

const CORES = os.availableParallelism();
/** The critical-path speed-up resizeParallel() must reach: one thread measures 0.95-1.06x, two threads 1.47-2.06x. */
const MIN_SPEEDUP = 1.25;
const work = listenToWork();
let watch: WorkerWatch;
/** Threads of the harness's own pools (bare threads), never counted as the code's. */
const harnessThreads = new Set<number>();
let bare: BareThreads | undefined;

beforeAll(() => {
  watch = watchWorkers();
});
afterAll(async () => {
  work.close();
  await bare?.close();
  // Whatever the code under test left running ends here, without its (maybe unfinished) close(), and
  // without letting a pool start replacement threads: the next target tested in this process starts clean.
  await watch.terminateAll();
  watch.restore();
});

/** A resizer, with what the watch saw of it: where its threads begin in the watch, and how many it started at once. */
interface Made {
  resizer: ImageResizer;
  mark: number;
  portMark: number;
  upFront: number;
}

function create(threads?: number): Made {
  const mark = watch.workers.length;
  const portMark = watch.ports.length;
  const resizer = threads === undefined ? new ImageResizer() : new ImageResizer({ threads });
  return { resizer, mark, portMark, upFront: watch.workers.length - mark };
}

/** Every worker thread started since `made` was created (not the harness's own). */
function startedSince(mark: number): WatchedWorker[] {
  return watch.workers.slice(mark).filter((worker) => !harnessThreads.has(worker.threadId));
}
const runningOf = (made: Made) => startedSince(made.mark).filter((worker) => !worker.exited);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** A resizer, warmed up: every thread has loaded its worker file and downscaled something. */
async function warmResizer(threads?: number): Promise<Made> {
  const made = create(threads);
  const count = threads ?? CORES;
  for (let round = 0; round < 2; round++) {
    await Promise.all(Array.from({ length: count }, (_, i) => made.resizer.resize(createTestImage(512, 384, i + 1))));
  }
  return made;
}

async function startBare(): Promise<BareThreads> {
  bare ??= await BareThreads.start(parallelThreads());
  for (const thread of bare.pool.threads) harnessThreads.add(thread.threadId);
  return bare;
}

// Steps 1-3 share a resizer of at least two threads (so parallelism shows even on one core), step 4 one
// of the default size: on two cores or more, that is the same one, created with `new ImageResizer()`.
let sharedResizer: Promise<Made> | undefined;
const sharedMade = () => (sharedResizer ??= warmResizer(CORES >= 2 ? undefined : 2));
const shared = async () => (await sharedMade()).resizer;
let defaultResizer: Promise<Made> | undefined;
const withDefaults = () => (defaultResizer ??= CORES >= 2 ? sharedMade() : warmResizer());

// The big picture every timing test uses: about 3 megapixels, a fifth of a second of downscaling.
let bigImage: RgbaImage | undefined;
const big = (): RgbaImage => (bigImage ??= createTestImage(2048, 1536, 7));
let bigReference: RgbaImage | undefined;
const reference = (): RgbaImage => (bigReference ??= downscale(big()));
// The speed-up test runs many resizes: a smaller (1.5-megapixel) picture keeps it quick.
let speedImage: RgbaImage | undefined;

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/**
 * What resizeParallel() did with nothing closing (step 3): the error it rejected with, if it ever did. The close()
 * test blames close() for a resizeParallel() that failed while it waited only when it was not seen failing on its own.
 */
let parallelFailedAlone: { reason: unknown } | undefined;
async function parallelAlone(resizer: ImageResizer, image: RgbaImage): Promise<RgbaImage> {
  try {
    return await resizer.resizeParallel(image);
  } catch (reason) {
    parallelFailedAlone ??= { reason };
    throw reason;
  }
}

type Settled<T> = { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'pending' };

/** How `promise` stands after at most `msToWait` (real time). */
async function settleWithin<T>(promise: Promise<T>, msToWait: number): Promise<Settled<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ status: 'pending' }), msToWait)));
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ status: 'fulfilled', value }),
        (reason: unknown): Settled<T> => ({ status: 'rejected', reason }),
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function expectSameImage(actual: RgbaImage, expected: RgbaImage, what: string, hint = ''): void {
  if (sameImage(actual, expected)) return;
  if (actual.width !== expected.width || actual.height !== expected.height || actual.data.length !== expected.data.length) {
    fail(
      `${what} gave a ${actual.width}x${actual.height} image with ${actual.data?.length ?? 0} bytes; downscale() gives ${expected.width}x${expected.height} (${expected.data.length} bytes).`,
      hint,
    );
  }
  const at = actual.data.findIndex((byte, i) => byte !== expected.data[i]);
  const pixel = Math.floor(at / 4);
  const y = Math.floor(pixel / expected.width);
  let rowsWrong = 0;
  for (let row = 0; row < expected.height; row++) {
    const from = row * expected.width * 4;
    const to = from + expected.width * 4;
    if (Buffer.compare(actual.data.subarray(from, to), expected.data.subarray(from, to)) !== 0) rowsWrong++;
  }
  fail(
    `${what} gave different pixels than downscale(): first difference at x=${pixel % expected.width}, y=${y}; ${rowsWrong} of ${expected.height} rows differ.`,
    hint,
  );
}

/**
 * How many rows of `actual` stand at another row than in `expected`, when every one of them is a row of `expected`
 * (the pieces are right, stitched at the wrong places); undefined when some row is not a row of `expected` at all.
 */
function misplacedRows(actual: RgbaImage, expected: RgbaImage): number | undefined {
  if (actual.width !== expected.width || actual.height !== expected.height || actual.data.length !== expected.data.length) return undefined;
  const rowBytes = expected.width * 4;
  const rowOf = (image: RgbaImage, y: number) => Buffer.from(image.data.buffer, image.data.byteOffset + y * rowBytes, rowBytes);
  const expectedRows = new Map<string, number>();
  for (let y = 0; y < expected.height; y++) {
    const key = rowOf(expected, y).toString('base64');
    expectedRows.set(key, (expectedRows.get(key) ?? 0) + 1);
  }
  let misplaced = 0;
  for (let y = 0; y < actual.height; y++) {
    const row = rowOf(actual, y);
    const key = row.toString('base64');
    const left = expectedRows.get(key) ?? 0;
    if (left === 0) return undefined;
    expectedRows.set(key, left - 1);
    if (Buffer.compare(row, rowOf(expected, y)) !== 0) misplaced++;
  }
  return misplaced;
}

function describeProbe(report: EventLoopReport): string {
  return `largest gap between ticks ${ms(report.maxGapMs)}, ${report.ticks} ticks in ${ms(report.elapsedMs)}, event-loop utilisation ${report.utilization.toFixed(2)}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The resizer's threads around one call: how many were running when it was called, which it started meanwhile. */
interface CallThreads {
  from: number;
  to: number;
  ready: number;
  started: WatchedWorker[];
}

/** Runs `call`, and notes what the resizer's threads did around it (a pool that starts threads only when work arrives shows here). */
async function watchCall<T>(made: Made, calls: CallThreads[], call: () => Promise<T>): Promise<T> {
  const mark = watch.workers.length;
  const entry: CallThreads = { from: wallClock(), to: Infinity, ready: runningOf(made).length, started: [] };
  calls.push(entry);
  try {
    return await call();
  } finally {
    entry.to = wallClock();
    entry.started = startedSince(mark);
  }
}

/** The call an attempt's pieces belong to (the one whose time window holds their first start). */
function callOf(calls: readonly CallThreads[], attempt: ParallelAttempt): CallThreads | undefined {
  const first = attempt.pieces[0]?.start ?? attempt.onCaller[0]?.start;
  return (first === undefined ? undefined : calls.find((call) => first >= call.from && first <= call.to)) ?? calls[calls.length - 1];
}

/**
 * The stripes could not all run at once because the pool started threads only when the call came (a
 * new one first loads its file). Whether the stripes were sent at once or one by one, they could only take turns on the threads
 * that were there; the message says so, and not "an await inside the loop".
 */
function explainShortOfThreads(attempt: ParallelAttempt, call: CallThreads): string[] | undefined {
  const { pieces } = attempt;
  const stripes = pieces.length;
  const late = call.started.filter((worker) => pieces.some((piece) => piece.threadId === worker.threadId));
  // A pool that simply has fewer threads, all up, is the 'one-thread' case below; this one starts them late.
  if (call.started.length === 0) return undefined;
  const firstStart = Math.min(...pieces.map((piece) => piece.start));
  const lateStarts = late.map((worker) => {
    const piece = pieces.find((p) => p.threadId === worker.threadId);
    return `thread ${worker.threadId} was started during the call (${worker.createdAt}) and began its stripe ${ms((piece?.start ?? firstStart) - firstStart)} after the first stripe began`;
  });
  return [
    `The ${stripes} stripes never ran at the same time: when resizeParallel() was called, your resizer had ${plural(call.ready, 'worker thread')} running for ${stripes} stripes` +
      (call.started.length > 0 ? `, and it started ${plural(call.started.length, 'new thread')} only during the call.` : '.'),
    drawWork(pieces),
    ...(lateStarts.length > 0 ? [`(${lateStarts.join('; ')}: a new thread first loads its file, a few hundred ms, before it takes any work.)`] : []),
    'Stripes sent at once or one by one, they can only run together on threads that are already up. Start every thread when the resizer is created',
    'and keep them: with piscina, minThreads equal to maxThreads (threads beyond minThreads are ended as soon as they are idle, and started again',
    'only when work arrives); with your own threads, all of them in the constructor.',
  ];
}

/**
 * What a resizeParallel() call whose stripes did not run in parallel did, in a learner's words, from
 * where each downscale ran and when. `made` is the resizer, for the number of threads it has running;
 * `call`, what its threads did around the call shown.
 */
function explainNotParallel(mistake: NonNullable<ReturnType<typeof parallelMistake>>, attempt: ParallelAttempt, made: Made, call?: CallThreads): string[] {
  const { pieces, onCaller, overlap } = attempt;
  const threads = runningOf(made).length;
  const sendAtOnce = 'Hand every stripe to the pool first, then await them together (Promise.all): an `await` inside the loop waits for each stripe before sending the next.';
  const shortOfThreads = (mistake === 'one-thread' || mistake === 'one-after-another') && call ? explainShortOfThreads(attempt, call) : undefined;
  if (shortOfThreads) return shortOfThreads;
  switch (mistake) {
    case 'on-caller':
      return [
        `resizeParallel() downscaled on the main thread (thread ${threadId}), where the event loop lives: ${plural(onCaller.length, 'piece')} ran there, none on a worker thread.`,
        drawWork(onCaller),
        'An `async` function is not a thread. Hand each stripe to the pool, and call downscale() in resize.worker.ts.',
      ];
    case 'one-piece':
      return [
        `resizeParallel() downscaled the image in 1 piece, on thread ${pieces[0]?.threadId}: the whole picture went to one thread` +
          (threads > 1 ? `, and the other ${plural(threads - 1, 'thread')} of your resizer sat idle.` : '.'),
        drawWork(pieces),
        'Cut the rows into one stripe per thread and hand every stripe to the pool before awaiting any (Promise.all).',
      ];
    case 'one-thread':
      return threads <= 1
        ? [
            `All ${pieces.length} stripes ran on one thread (thread ${overlap.threads[0]}), one after the other: your resizer has ${plural(threads, 'worker thread')} running, so the stripes could only take turns.`,
            drawWork(pieces),
            `Give the pool one thread per core (${CORES} here, os.availableParallelism()): with piscina, minThreads and maxThreads; with your own threads, that many Workers.`,
          ]
        : [
            `All ${pieces.length} stripes ran on thread ${overlap.threads[0]}, one after the other, although your resizer has ${threads} worker threads running: the other${threads === 2 ? '' : 's'} got none.`,
            drawWork(pieces),
            `Either each stripe was handed out only once the previous one was done (a free thread then takes it), or every stripe went to the same thread. ${sendAtOnce}`,
          ];
    case 'one-after-another':
      return [
        `The ${pieces.length} stripes ran on ${overlap.threads.length} threads, but one after the other: never two at the same time.`,
        drawWork(pieces),
        sendAtOnce,
      ];
  }
}

describe('step 1: off the event loop', () => {
  it('keeps the event loop responsive meanwhile: its largest gap stays under half the work time', async () => {
    const resizer = await shared();
    const forBlocked = copyImage(big());
    const forPool = copyImage(big());
    // Baseline, same test, same machine, same moment: the work right here, on the event loop's thread.
    const blocked = await probeWhile(() => downscale(forBlocked));
    const offloaded = await probeWhile(() => resizer.resize(forPool));
    bigReference ??= blocked.result;
    const workMs = blocked.report.maxGapMs;
    const gapMs = offloaded.report.maxGapMs;
    // A busy machine can also stall an idle event loop now and then (the process waits for a core),
    // but then the loop was idle: utilisation stays low. Blocked by the work, it is near 1.
    if (gapMs >= workMs / 2 && offloaded.report.utilization > 0.5) {
      fail(
        `While resize() ran, the event loop could not run anything for ${ms(gapMs)}; downscale() right here on the main thread froze it for ${ms(workMs)}.`,
        `  main thread (baseline): ${describeProbe(blocked.report)}`,
        `  your resize():          ${describeProbe(offloaded.report)}`,
        `A server whose event loop is frozen answers nobody: every other request waits ${ms(gapMs)}.`,
        '-> the CPU work still ran on the main thread. An `async` function is not a thread: it runs on the caller\'s thread until',
        'its first `await`, and a CPU loop has none. Hand the image to the pool (`await this.pool.run(image)`).',
      );
    }
    expectSameImage(offloaded.result, reference(), 'resize()');
  });

  it('downscales on a worker thread, and gives the same pixels as downscale()', async () => {
    const resizer = await shared();
    const since = wallClock();
    const result = await resizer.resize(copyImage(big()));
    const spans = await work.settled({ since, label: DOWNSCALE_LABEL }, { timeoutMs: 1000 });
    if (spans.length === 0) fail('resize() resolved, but downscale() never ran: the image must be downscaled (on a worker thread).');
    const onMain = spans.filter((span) => span.threadId === threadId);
    if (onMain.length > 0) {
      fail(
        `downscale() ran on the main thread (thread ${threadId}), where the event loop lives: resize() does not move the work anywhere.`,
        drawWork(spans),
        'An `async` function is not a thread: it runs on the caller\'s thread until its first `await`, and a CPU loop has none.',
        'Hand the image to the pool (`this.pool.run(image)`) and call downscale() in resize.worker.ts.',
      );
    }
    expectSameImage(result, reference(), `resize() of a ${describeImage(big())} image`);
  });
});

describe('step 2: move, don\'t copy', () => {
  it('moves the pixels to the worker: afterwards the caller\'s buffer is detached', async () => {
    const resizer = await shared();
    const input = copyImage(big());
    const bytes = input.data.byteLength;
    const result = await resizer.resize(input);
    if (input.data.buffer.byteLength !== 0) {
      fail(
        `After resize() the caller's image still holds its ${mb(bytes)} of pixels: the worker was sent a copy of them, not the caller's buffer itself.`,
        'Either nothing was moved (a message is a structured clone unless its buffer is in the transfer list), or what was moved is a copy',
        'made for the purpose (`image.data.slice()`, then that copy moved): the caller\'s pixels are copied either way.',
        'A copy costs main-thread time and memory on every request. List the caller\'s own buffer in the transfer list:',
        '`this.pool.run(image, { transferList: [image.data.buffer] })` moves it, and leaves the caller\'s array empty',
        '(byteLength 0), just as a Rust value you moved into a thread is no longer yours.',
      );
    }
    expectSameImage(result, reference(), 'resize() with a moved buffer');
  });

  it('moves the result back: the worker gives its result buffer up instead of sending a copy', async () => {
    const resizer = await shared();
    const since = wallClock();
    const result = await resizer.resize(copyImage(big()));
    // downscale() follows its result buffer for a moment: transferred away (detached), or still there.
    const followed = (spans: { threadId: number; resultMoved?: boolean }[]) => spans.some((span) => span.threadId !== threadId && span.resultMoved !== undefined);
    await work.waitFor(followed, { since, label: DOWNSCALE_LABEL }, 2000);
    const span = work.spans({ since, label: DOWNSCALE_LABEL }).find((s) => s.threadId !== threadId && s.resultMoved !== undefined);
    if (!span) fail('resize() resolved, but no downscale() on a worker thread was reported: the image must be downscaled in resize.worker.ts.');
    if (!span.resultMoved) {
      fail(
        `The worker sent its ${mb(result.data.byteLength)} result back as a copy: after the downscale, thread ${span.threadId} still held the result's buffer.`,
        'The copy costs the main thread time and memory on every request. Give the buffer up on the way back: from a piscina',
        'worker, `return Piscina.move(pixels)`; from a worker thread of your own, `parentPort.postMessage(pixels, [pixels.buffer])`.',
      );
    }
    expectSameImage(result, reference(), 'resize() with the result moved back');
  });
});

describe('step 3: all cores at once', () => {
  it('stitches stripes into exactly the picture downscale() makes', async () => {
    const resizer = await shared();
    const hint = 'Each stripe must be a whole number of 2-row pairs (output row y comes from input rows 2y and 2y+1),' +
      ' and each piece must land at its own output row.';
    const original = copyImage(big());
    const result = await parallelAlone(resizer, original);
    expectSameImage(result, reference(), `resizeParallel() of a ${describeImage(big())} image`, hint);
    if (!sameImage(original, big())) fail('resizeParallel() changed (or used up) the caller\'s image: send copies of the stripes, not the image itself.');
    // An awkward size: 778 rows split in two is 389 rows each, an odd number.
    const awkward = createTestImage(1000, 778, 5);
    expectSameImage(await parallelAlone(resizer, copyImage(awkward)), downscale(awkward), 'resizeParallel() of a 1000x778 image', hint);
  });

  it('stitches each piece at its own rows, in whatever order the pieces come back', async () => {
    const made = await sharedMade();
    const threads = Math.max(1, runningOf(made).length);
    // A wide, short picture of threads + 1 output rows: cut evenly, one stripe is smaller than the others and comes back
    // first. And a small one, whose pieces come back in any order. A stitch in arrival order shows in such a call.
    const pictures = [createTestImage(65_536, 2 * (threads + 1), 8), createTestImage(256, 192, 9)];
    const hint = 'Each stripe must be a whole number of 2-row pairs (output row y comes from input rows 2y and 2y+1),' +
      ' and each piece must land at its own output row.';
    let outOfOrder = 0;
    for (let call = 0; call < 12 && outOfOrder < 3; call++) {
      const picture = pictures[call % 3 === 2 ? 1 : 0]!;
      const since = wallClock();
      const result = await parallelAlone(made.resizer, copyImage(picture));
      await work.settled({ since, label: DOWNSCALE_LABEL }, { timeoutMs: 1000 });
      const pieces = work.spans({ since, label: DOWNSCALE_LABEL }).filter((span) => span.end !== undefined);
      const byStart = [...pieces].sort((a, b) => a.start - b.start);
      const byEnd = [...pieces].sort((a, b) => (a.end ?? 0) - (b.end ?? 0));
      const shuffled = byStart.some((span, k) => span !== byEnd[k]);
      if (shuffled) outOfOrder++;
      const expected = downscale(picture);
      if (sameImage(result, expected)) continue;
      const misplaced = misplacedRows(result, expected);
      if (misplaced === undefined) expectSameImage(result, expected, `resizeParallel() of a ${describeImage(picture)} image`, hint);
      fail(
        `resizeParallel() of a ${describeImage(picture)} image gave every output row downscale() gives, but ${misplaced} of its ${expected.height} rows at another place:`
          + ` the pieces were put together in another order than the picture's.${shuffled ? ' In this call they came back in another order than they started:' : ''}`,
        drawWork(pieces),
        '-> each piece must land at its own output rows, whatever order it comes back in. Pushing the pieces onto a list as they arrive',
        '   (in a .then) and stitching that list stitches them in arrival order. Keep each stripe\'s output row with its promise',
        '   (`{ outRow, pixels: pool.run(...) }`), await them all (Promise.all keeps the order), then `out.set(pixels, outRow * outWidth * 4)`.',
      );
    }
  });

  it('splits the work over the pool\'s threads, and they work at the same time', async () => {
    const made = await sharedMade();
    // On a busy machine a thread can start late; one call out of three that overlaps is enough.
    const calls: ParallelAttempt[] = [];
    const around: CallThreads[] = [];
    for (let call = 0; call < 3 && !calls.some((c) => c.parallel); call++) {
      const since = wallClock();
      await watchCall(made, around, () => made.resizer.resizeParallel(copyImage(big())));
      // The pieces' reports travel on their own channel and may trail the result by a moment.
      await work.settled({ since, label: DOWNSCALE_LABEL }, { timeoutMs: 1000 });
      await sleep(30);
      calls.push(piecesOf(await work.settled({ since, label: DOWNSCALE_LABEL }, { timeoutMs: 1000 })));
    }
    const mistake = parallelMistake(calls);
    const last = calls[calls.length - 1]!;
    if (mistake) fail(...explainNotParallel(mistake, last, made, callOf(around, last)));
    // Parallel, and yet the main thread took a share: while it downscales, the event loop answers nobody.
    const withMain = calls.find((c) => c.onCaller.length > 0);
    if (withMain) {
      const mainMs = withMain.onCaller.reduce((sum, span) => sum + ((span.end ?? span.start) - span.start), 0);
      fail(
        `resizeParallel() downscaled ${plural(withMain.onCaller.length, 'piece')} of the picture on the main thread (thread ${threadId}), where the event loop lives, beside ${plural(withMain.pieces.length, 'stripe')} on worker threads:`,
        drawWork([...withMain.onCaller, ...withMain.pieces]),
        `For those ${ms(mainMs)} the event loop ran nothing: no request answered, no timer fired. The main thread is not a spare core; it only`,
        'cuts, sends and stitches. Give every stripe to the pool (one per worker thread), and let the main thread wait for them.',
      );
    }
  });

  it('is faster than one thread: each thread does its share of the work, at the same time', async (ctx) => {
    const made = await sharedMade();
    skipFor(ctx, 'one-core', `this machine has ${CORES} core: threads can take turns but not run at once, so there is no speed-up to measure`);
    const picture = (speedImage ??= createTestImage(1536, 1024, 11));
    const around: CallThreads[] = [];
    // The critical path, from the CPU time the kernel counted for each thread (a busy machine stretches
    // wall-clock times, not these); where the system has none, wall clocks beside bare threads. Either
    // way, the stripes must also have run at the same time on different threads.
    const verdict = await judgeParallelism({
      log: work,
      label: DOWNSCALE_LABEL,
      input: () => copyImage(picture),
      one: (image: RgbaImage) => made.resizer.resize(image),
      all: (image: RgbaImage) => watchCall(made, around, () => made.resizer.resizeParallel(image)),
      minSpeedup: MIN_SPEEDUP,
      bare: startBare,
    });
    if (verdict.outcome === 'faster') return;
    if (verdict.outcome === 'slower' || verdict.outcome === 'inconclusive') {
      if (verdict.clock === 'cpu' && verdict.critical) {
        const median = verdict.critical.median;
        fail(
          `On free cores resizeParallel() would be ${median?.speedup.toFixed(2)}x as fast as resize() on one thread; it should be at least ${MIN_SPEEDUP}x.`,
          describeCriticalPath(verdict.critical, 'resize()        ', 'resizeParallel()'),
          '(CPU time each thread really spent, from the kernel; the median of the attempts counts.)',
          '-> one piece does most of the work, or the main thread does: cut even stripes, and keep the splitting and stitching cheap.',
        );
      }
      const wall = verdict.wall;
      const table = wall ? describeSpeedup(wall, 'resize / resizeParallel') : '';
      if (verdict.outcome === 'inconclusive') {
        skipFor(ctx, 'busy-machine-without-thread-clock', `bare threads gained no parallel speed-up on this machine just now (it is busy), so there was nothing to compare with:\n${table}`);
      }
      const best = wall?.attempts.filter((a) => a.conclusive).sort((a, b) => b.share - a.share)[0];
      fail(
        `resizeParallel() was at best ${best?.code.speedup.toFixed(2)}x faster than resize() on one thread, while bare threads, measured in the same attempt, reached ${best?.machine.speedup.toFixed(2)}x.`,
        table,
        `resizeParallel() should get at least ${Math.round((wall?.minShare ?? 0.5) * 100)}% of the machine's gain. Is one stripe much bigger than the others, or does the main thread do much of the work?`,
      );
    }
    // The stripes did not run in parallel: whatever the arithmetic says, no core worked beside another.
    const median = verdict.critical?.median;
    fail(
      ...explainNotParallel(verdict.outcome, verdict.shown, made, callOf(around, verdict.shown)),
      verdict.clock === 'cpu' && median && median.speedup >= MIN_SPEEDUP
        ? `(The arithmetic alone would have passed: with its longest stripe as the critical path, it would be ${median.speedup.toFixed(2)}x as fast on free cores. But a speed-up needs the stripes to run at the same time.)`
        : '',
    );
  });
});

/** close() test: the accepted work is given up on after this long without any progress (a resize settling, a downscale starting or ending, a thread starting). */
const STALL_MS = 3000;
/** close() test: and at the latest this long after close() was called. */
const ALL_CAP_MS = 9000;
/** close() test: its waits end by this long after close() was called, so that its message shows within vitest's 15 s. */
const CLOSE_TEST_END_MS = 13_000;

/** "2 done, 1 cancelled": how a batch of resizes ended. */
function describeOutcomes(outcomes: readonly ({ ok: boolean; reason?: unknown } | undefined)[]): string {
  const done = outcomes.filter((o) => o?.ok).length;
  const cancelled = outcomes.filter((o) => o && !o.ok && o.reason instanceof Error && o.reason.name === 'AbortError').length;
  const failed = outcomes.filter((o) => o && !o.ok).length - cancelled;
  return [`${done} done`, cancelled > 0 ? `${cancelled} cancelled` : '', failed > 0 ? `${failed} failed` : ''].filter(Boolean).join(', ');
}

/**
 * An invariant of the pool's life, checked after an event (a cancel, a failure): `threadsBefore`
 * resizes sent at once still run on as many threads, at the same time. A few tries, since a thread
 * started in place of an ended one needs a moment to load its file; a pool that lost a thread runs
 * them one after the other every time (or, with no thread left, never).
 */
async function expectFullPool(made: Made, threadsBefore: number, fullMs: number, event: string): Promise<void> {
  const want = Math.max(1, threadsBefore);
  let last: ParallelAttempt | undefined;
  for (let attempt = 0; attempt < 6; attempt++) {
    const since = wallClock();
    const batch = Promise.all(Array.from({ length: want }, (_, i) => made.resizer.resize(createTestImage(1536, 1024, i + 60))));
    // (At most 8 s: the test must fit in vitest's 15 s on this path too.)
    const waitMs = Math.min(8000, Math.max(3000, 10 * fullMs));
    const outcome = await settleWithin(batch, waitMs);
    if (outcome.status === 'pending') {
      const running = runningOf(made).length;
      fail(
        `After ${event}, ${plural(want, 'resize')} sent at once had not finished ${ms(waitMs)} later (a whole big resize takes ${ms(fullMs)}).`,
        `Your resizer has ${plural(running, 'worker thread')} running now; it had ${threadsBefore} before.`,
        running < threadsBefore
          ? 'A thread ended to cancel its task must be replaced by a fresh one: otherwise every cancel leaves the pool a thread smaller, and once none is left every resize waits forever.'
          : 'Once a task is cancelled, the resizer must go on giving the tasks waiting in its queue to its threads.',
      );
    }
    if (outcome.status === 'rejected') fail(`After ${event}, a resize failed: ${describeError(outcome.reason)}. A cancel ends one task, not the resizer.`);
    await work.settled({ since, label: DOWNSCALE_LABEL }, { atLeast: want, timeoutMs: 1000 });
    last = piecesOf(work.spans({ since, label: DOWNSCALE_LABEL }));
    if (want === 1 || (last.overlap.threads.length >= want && last.parallel)) return;
  }
  const shown = last!;
  const running = runningOf(made).length;
  fail(
    `After ${event}, your resizer no longer runs ${want} resizes at once: ${want} sent together ran on ${plural(shown.overlap.threads.length, 'thread')}` +
      `${shown.parallel ? '' : ', one after the other'}, 6 times out of 6. Before, it had ${plural(threadsBefore, 'worker thread')} running; now it has ${running}.`,
    drawWork(shown.pieces),
    running < threadsBefore
      ? 'A thread you terminate to cancel its task must be replaced: start a fresh one in its place (piscina does this itself). Otherwise each cancel leaves the pool a thread smaller, and after as many cancels as cores every resize waits forever.'
      : 'Every thread of the pool must take tasks again after a cancel: give the tasks waiting in the queue to each thread that is free, the fresh one too.',
  );
}

describe('step 4: the pool\'s life', () => {
  it('is sized from its threads option, else from os.availableParallelism(), with every thread started up front', async () => {
    const made = await withDefaults();
    if (made.upFront !== CORES) {
      fail(
        `new ImageResizer() started ${plural(made.upFront, 'worker thread')} when it was created, on a machine with ${CORES} cores (os.availableParallelism()).`,
        made.upFront < CORES
          ? 'A worker thread takes a few hundred ms to start (it loads its file): threads started only when work arrives make the first busy moment pay for it. With piscina, set minThreads to the same number as maxThreads; with your own threads, start them all in the constructor.'
          : 'CPU-bound threads beyond the core count only take turns, and each turn costs a switch.',
      );
    }
    // A burst of more resizes than cores: a pool allowed more threads than cores starts them now.
    const mark = watch.workers.length;
    await Promise.all(Array.from({ length: 2 * CORES + 2 }, (_, i) => made.resizer.resize(createTestImage(512, 384, i + 40))));
    const added = startedSince(mark);
    const stayed = added.filter((worker) => !worker.exited);
    if (stayed.length > 0) {
      fail(
        `A burst of ${2 * CORES + 2} resizes at once made the resizer start ${plural(stayed.length, 'more thread')}, ${runningOf(made).length} running now on ${CORES} cores.`,
        'CPU-bound threads beyond the core count only take turns, and each turn costs a switch. Piscina\'s default maxThreads is 1.5 x cores: set it yourself.',
      );
    }
    if (added.length > 0) {
      fail(
        `A burst of ${2 * CORES + 2} resizes at once started ${plural(added.length, 'new worker thread')} (the first ${added[0]?.createdAt}), which ended again right after: each call made threads of its own.`,
        'Create the threads once, in the constructor, and run every task on them.',
      );
    }
    // The size a caller asks for: a resizer that ignores `threads` passes everything above wherever
    // the cores happen to match the size asked for elsewhere in these tests.
    const asked = CORES === 1 ? 2 : 1;
    const sized = create(asked);
    await settleWithin(sized.resizer.close(), 3000);
    if (sized.upFront !== asked) {
      fail(
        `new ImageResizer({ threads: ${asked} }) started ${plural(sized.upFront, 'worker thread')} when it was created; it was asked for ${asked}.`,
        'How many threads is the caller\'s choice (a server that shares the machine with other work asks for fewer): use `options.threads`, and os.availableParallelism() only when it is not given.',
      );
    }
  });

  it('is created once and reused: many calls, no new threads', async () => {
    const made = await withDefaults();
    const calls = 2 * CORES + 2;
    const mark = watch.workers.length;
    const times: number[] = [];
    for (let i = 0; i < calls; i++) times.push(await timed(() => made.resizer.resize(createTestImage(256, 192, i + 1))));
    const added = startedSince(mark);
    if (added.length > 0) {
      const sorted = [...times].sort((a, b) => a - b);
      fail(
        `${calls} calls in a row started ${plural(added.length, 'new worker thread')} (the first ${added[0]?.createdAt}): a new pool or Worker is created per call.`,
        `Each call then pays for starting a thread: these small resizes took ${ms(sorted[0] ?? 0)} to ${ms(sorted[sorted.length - 1] ?? 0)} each, where a warm pool answers in a few ms.`,
        'Create the threads once, in the constructor, and run every task on them (this.pool.run).',
      );
    }
  });

  it('cancels a running resize with an AbortSignal: the worker stops mid-way, and the pool keeps its threads', async () => {
    const made = await withDefaults();
    const { resizer } = made;
    // How long one big resize takes on this machine right now.
    const fullMs = await timed(() => resizer.resize(copyImage(big())));
    const controller = new AbortController();
    const since = wallClock();
    const running = resizer.resize(copyImage(big()), { signal: controller.signal });
    const started = await work.waitFor((spans) => spans.length > 0, { since, label: DOWNSCALE_LABEL }, 10_000);
    if (!started) {
      await settleWithin(running, 0);
      fail('The resize never started on a worker (no downscale was reported within 10 s).');
    }
    const threadsBefore = runningOf(made).length;
    const abortedAt = performance.now();
    controller.abort();
    const outcome = await settleWithin(running, 2 * fullMs + 500);
    const answeredAfter = performance.now() - abortedAt;
    if (outcome.status === 'pending') fail(`resize() had not settled ${ms(answeredAfter)} after the abort (a whole resize takes ${ms(fullMs)}).`);
    if (outcome.status === 'fulfilled') {
      fail(
        `resize() resolved with the full result although its signal was aborted while the worker was at it (a whole resize takes ${ms(fullMs)}).`,
        'Pass the signal to piscina: `this.pool.run(task, { signal })`. Piscina then stops the worker that runs the task.',
      );
    }
    const reason = outcome.reason;
    if (!(reason instanceof Error) || reason.name !== 'AbortError') fail(`A cancelled resize should reject with an AbortError; it rejected with ${describeError(reason)}.`);
    if (answeredAfter > fullMs / 2) fail(`resize() rejected ${ms(answeredAfter)} after the abort, when a whole resize takes ${ms(fullMs)}: it waited for the work instead of stopping it.`);
    // Stopping a running task means ending its thread (a pool starts a fresh one in its place).
    const spans = work.spans({ since, label: DOWNSCALE_LABEL });
    const ranOn = spans[0]?.threadId;
    const thread = () => watch.workers.find((worker) => worker.threadId === ranOn);
    for (let waited = 0; thread()?.exited === false && waited < 2000; waited += 20) await sleep(20);
    if (thread()?.exited === false) {
      fail(
        `resize() rejected, but thread ${ranOn}, which ran its downscale, had not been ended 2 s later: nothing stopped the downscale, it went on and its result is only thrown away.`,
        'Stopping work that already runs on a thread means ending that thread (a pool starts a fresh one in its place, so it keeps its size).',
        drawWork(spans),
        'Pass the signal to piscina (`this.pool.run(task, { signal })`): it terminates the worker that runs the task. With your own threads: worker.terminate(), and start a new one in its place.',
      );
    }
    // After the cancel the pool must still run as many resizes at once as before: a thread ended to
    // cancel a task needs a fresh one in its place, or every cancel leaves the pool a thread smaller.
    await expectFullPool(made, threadsBefore, fullMs, `the cancel ended thread ${ranOn}`);
  });

  it('a cancel reaches only its own resize: one still queued never runs, and a signal aborted after its resize is done ends nothing', async () => {
    const made = await withDefaults();
    const { resizer } = made;
    const threads = Math.max(1, runningOf(made).length);
    // A resize that is over, whose caller aborts its signal afterwards (a request that timed out just then).
    const late = new AbortController();
    await resizer.resize(createTestImage(512, 384, 70), { signal: late.signal });
    // Every thread busy with a resize of its own (no signal), and one more resize queued behind them.
    const since = wallClock();
    const busy = Array.from({ length: threads }, () => resizer.resize(copyImage(big())));
    const started = await work.waitFor((spans) => spans.length >= threads, { since, label: DOWNSCALE_LABEL }, 10_000);
    if (!started) {
      await settleWithin(Promise.allSettled(busy), 0);
      fail(`${plural(threads, 'resize')} sent at once did not all start on a worker within 10 s.`);
    }
    const queuedAbort = new AbortController();
    const queued = resizer.resize(createTestImage(640, 480, 79), { signal: queuedAbort.signal });
    const queuedOutcome = settleWithin(queued, 10_000);
    const threadsBefore = new Set(runningOf(made).map((worker) => worker.threadId));
    late.abort();
    queuedAbort.abort();
    const waitMs = 8000;
    const outcome = await settleWithin(Promise.allSettled(busy), waitMs);
    const ended = [...threadsBefore].filter((id) => watch.workers.find((worker) => worker.threadId === id)?.exited);
    const settled = outcome.status === 'fulfilled' ? outcome.value : [];
    if (outcome.status === 'pending' || settled.some((r) => r.status === 'rejected')) {
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      fail(
        `A resize's signal was aborted after that resize had already resolved, and it ended another caller's resize: of the ${plural(threads, 'resize')} that were running then (with no signal of their own), ` +
          (outcome.status === 'pending' ? `not all had settled ${ms(waitMs)} later` : `one rejected with ${describeError(failed?.reason)}`) +
          (ended.length > 0 ? `; the abort ended thread ${ended.join(', ')}, which was busy with one of them.` : '.'),
        drawWork(work.spans({ since, label: DOWNSCALE_LABEL })),
        'A signal belongs to its own resize, and only while that resize is under way: once it has settled, stop listening (removeEventListener),',
        'and on an abort end only the thread that runs that job right now (with your own threads: the thread whose current job it is, not the one it was given to once).',
      );
    }
    const q = await queuedOutcome;
    if (q.status === 'fulfilled') {
      fail(
        'A resize aborted while it still waited in the queue (every thread was busy) resolved with the full result instead of rejecting.',
        'A cancel must reach a waiting resize too: take it out of the queue and reject it with an AbortError (piscina does both for `run(task, { signal })`).',
      );
    }
    if (q.status === 'pending') fail('A resize aborted while it still waited in the queue had not settled 10 s later: reject it with an AbortError at once.');
    if (!(q.reason instanceof Error) || q.reason.name !== 'AbortError') fail(`A resize aborted while it waited in the queue should reject with an AbortError; it rejected with ${describeError(q.reason)}.`);
    // Did the aborted one run all the same, once a thread was free? Its picture is the only 640x480 one. (On a busy machine a
    // thread may have come free just before the abort: a job started then is cancelled while it runs, and never ends.)
    await work.settled({ since, label: DOWNSCALE_LABEL }, { atLeast: threads, timeoutMs: 1000 });
    await sleep(50);
    const ranAnyway = work.spans({ since, label: DOWNSCALE_LABEL }).filter((span) => span.detail?.width === 640 && span.detail?.rows === 480 && span.end !== undefined);
    if (ranAnyway.length > 0) {
      fail(
        `A resize aborted while it still waited in the queue was rejected with an AbortError, but thread ${ranAnyway[0]?.threadId} still downscaled its image later, once it was free:`,
        drawWork(work.spans({ since, label: DOWNSCALE_LABEL })),
        'The caller was told "aborted", and a thread spent its time on it all the same (and the work queued behind it waited). On an abort, take',
        'a queued job out of the queue, not only the caller\'s promise: only a job that already runs needs its thread ended.',
      );
    }
  });

  it('close() finishes the work it accepted, even when some of it fails, then ends every thread', async () => {
    const made = await sharedMade();
    const { resizer } = made;
    const threads = runningOf(made).length;
    // The threads close() has to end: the resizer's, running and not already on their way out, and any
    // it starts from now on (one started while close() waits, in place of one that died, is close()'s to end too).
    const toEnd = watch.toEnd((thread) => thread.index < made.mark || harnessThreads.has(thread.threadId));
    const testStart = wallClock();
    // A long resize that runs all along, a small one, a resize that fails (its image is broken:
    // downscale() throws on the worker), and more small ones behind it: when close() is called, every
    // thread is busy and resizes wait; the failure comes while close() waits, with work still under way
    // on every side of it (the long one has 8 times the work of a small one).
    const long = createTestImage(2048, 768, 19);
    const smalls = Array.from({ length: 2 * Math.max(2, threads) }, (_, i) => createTestImage(512, 384, i + 20));
    const broken: RgbaImage = { width: 512, height: 384, data: new Uint8Array(512 * 4) };
    const images = [long, ...smalls];
    type Outcome = { ok: true; result: RgbaImage } | { ok: false; reason: unknown };
    const settled: (Outcome | undefined)[] = [];
    const note = (promise: Promise<RgbaImage>, i: number) =>
      promise.then(
        (result): Outcome => (settled[i] = { ok: true, result }),
        (reason: unknown): Outcome => (settled[i] = { ok: false, reason }),
      );
    const outcomes = images.slice(0, 2).map((image, i) => note(resizer.resize(copyImage(image)), i + 1));
    const failing = note(resizer.resize(broken), 0);
    outcomes.push(...images.slice(2).map((image, i) => note(resizer.resize(copyImage(image)), i + 3)));
    // And resizeParallel() calls behind them all, one per thread (at least two), the big picture and its top half in turn
    // (on two threads three times the long resize's work in stripes, on more threads at least one and a half times it per
    // thread besides the long one's): their stripes are accepted work too. When the last resize() is done, stripes still wait
    // in the queue with every thread busy, so a close() that does not wait for them ends the threads under them (piscina 5's
    // close() ends every thread as soon as one is idle), even with one thread well ahead of the others.
    const topRows = (image: RgbaImage, rows: number): RgbaImage => ({ width: image.width, height: rows, data: image.data.slice(0, image.width * rows * 4) });
    const parallelImages = Array.from({ length: Math.max(2, threads) }, (_, i) => (i % 2 === 0 ? big() : topRows(big(), big().height / 2)));
    const parallelSettled: (Outcome | undefined)[] = parallelImages.map(() => undefined);
    const parallelDone = parallelImages.map((image, i) =>
      resizer.resizeParallel(copyImage(image)).then(
        (result): Outcome => (parallelSettled[i] = { ok: true, result }),
        (reason: unknown): Outcome => (parallelSettled[i] = { ok: false, reason }),
      ),
    );
    const resizeCalls = images.length + 1;
    const accepted = resizeCalls + parallelImages.length;
    const unsettledNow = () => accepted - settled.filter(Boolean).length - parallelSettled.filter(Boolean).length;
    // What stands at the instant close() settles: the accepted resizes not settled yet, the threads not ended yet.
    let atSettle: { unsettled: number; alive: number; toEnd: number } | undefined;
    const instant = () => {
      atSettle = { unsettled: unsettledNow(), alive: toEnd.running(), toEnd: toEnd.count };
    };
    let closeError: unknown;
    const closeCalledAt = performance.now();
    const closing = resizer.close().then(instant, (error: unknown) => {
      instant();
      closeError = error;
    });
    // The instant close() is called, the resizer is closed: new work is refused at once, while close() still waits.
    const markAtClose = watch.workers.length;
    const refusedAtOnce = (['resize()', 'resizeParallel()'] as const).map((name) => {
      let call: Promise<RgbaImage>;
      try {
        call = name === 'resize()' ? resizer.resize(createTestImage(64, 48, 3)) : resizer.resizeParallel(createTestImage(64, 48, 4));
      } catch (error) {
        call = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      const state: { name: string; call: Promise<RgbaImage>; now?: string; reason?: unknown } = { name, call };
      call.then(
        () => (state.now ??= 'resized the image'),
        (reason: unknown) => {
          state.now ??= 'refused';
          state.reason ??= reason;
        },
      );
      return state;
    });
    await flushMicrotasks();
    for (const state of refusedAtOnce) state.now ??= 'pending';
    // How long to wait, judged by what this machine does right now rather than by a fixed budget: the accepted work is
    // waited for as long as it makes progress (a resize settles, a downscale starts or ends on some thread, a thread is
    // started), and given up on only after STALL_MS in which nothing moved at all, or ALL_CAP_MS after close() was called.
    // close() then gets as long again as that work took (at least 3 s), within what is left of vitest's 15 s.
    const progress = () => `${unsettledNow()}/${work.spans({ since: testStart, label: DOWNSCALE_LABEL }).map((span) => (span.end === undefined ? 1 : 2)).join('')}/${watch.workers.length}`;
    const allDone = Promise.all([failing, ...outcomes, ...parallelDone]);
    let all: Settled<unknown> = { status: 'pending' };
    let lastProgress = performance.now();
    let seen = progress();
    while (all.status === 'pending') {
      all = await settleWithin(allDone, 100);
      const now = performance.now();
      if (progress() !== seen) {
        seen = progress();
        lastProgress = now;
      }
      if (now - lastProgress >= STALL_MS || now - closeCalledAt >= ALL_CAP_MS) break;
    }
    const allMs = performance.now() - closeCalledAt;
    const closeMs = Math.max(3000, Math.min(allMs, CLOSE_TEST_END_MS - allMs));
    const unsettledAfterAll = unsettledNow();
    const parallelLeft = parallelSettled.filter((outcome) => outcome === undefined).length;
    const closed = await settleWithin(closing, closeMs);
    if (closed.status === 'pending' && all.status === 'pending') {
      const running = runningOf(made).length;
      const left = unsettledNow();
      fail(
        `close() never resolved: ${left} of the ${accepted} resizes it had accepted ${left === 1 ? 'was' : 'were'} still not done ${ms(performance.now() - closeCalledAt)} after close() was called (${describeOutcomes([...settled, ...parallelSettled])}), and close() waits for ${left === 1 ? 'it' : 'them'}.`,
        `Your resizer has ${plural(running, 'worker thread')} running now; it had ${threads} when close() was called.`,
        running < threads
          ? 'A thread that died (a resize failed on it) while close() waits must still be replaced: the resizes queued behind it need a thread (close() ends the fresh one too, once they are done).'
          : 'Every resize accepted before close() must still be given to a thread and run to its end.',
      );
    }
    if (closed.status === 'pending') {
      fail(
        `close() never resolved: ${ms(closeMs)} after the last of the ${accepted} resizes it had accepted had settled (${describeOutcomes([...settled, ...parallelSettled])}), it was still pending.`,
        'Whoever awaits close() (a server shutting down, a test) waits forever. Wait for exactly the tasks you accepted, however each one',
        'ends (done, failed or cancelled: Promise.allSettled), then `await this.pool.close()`, which resolves once every thread has exited.',
      );
    }
    if (all.status === 'pending') {
      fail(
        `close() resolved, but ${unsettledAfterAll} of the ${accepted} resizes it had accepted had still not settled ${ms(performance.now() - closeCalledAt)} after it was called` +
          (parallelLeft > 0 ? `, ${parallelLeft === 1 ? 'a resizeParallel()' : parallelLeft === 2 && parallelImages.length === 2 ? 'both resizeParallel() calls' : `${parallelLeft} resizeParallel() calls`} among them: close() did not wait for ${parallelLeft === 1 ? 'its' : 'their'} stripes, and ${parallelLeft === 1 ? 'it' : 'they'} never settled.` : '.'),
        ...(parallelLeft > 0
          ? [
              'Its stripes are accepted work too: close() must wait until every task it handed to the threads has settled, resizeParallel()\'s',
              'stripes included (send them through the same helper as resize(), the one that keeps every task it lets through), and only then end the threads.',
            ]
          : []),
      );
    }
    const unsettledAtClose = atSettle?.unsettled ?? 0;
    if (closeError !== undefined) {
      // The broken image's failure, passed on by close(): that is Promise.all giving up. Any other error is close()'s own.
      const brokenReason = settled[0] && !settled[0].ok ? settled[0].reason : undefined;
      const passedOn = brokenReason !== undefined && (closeError === brokenReason || describeError(closeError) === describeError(brokenReason));
      const underWay = unsettledAtClose > 0 ? `, while ${unsettledAtClose} of the ${accepted} resizes it had accepted ${unsettledAtClose === 1 ? 'was' : 'were'} still under way` : '';
      fail(
        ...(passedOn
          ? [
              `close() rejected with ${describeError(closeError)}, the failure of the resize whose image was broken${underWay}: that one failure made it give up on the others.`,
              'A resize that fails is settled too: close() waits for every accepted task whether it succeeds or fails (Promise.allSettled, not',
              'Promise.all, which rejects at the first failure), then ends the threads, and resolves.',
            ]
          : [
              `close() rejected with ${describeError(closeError)}${underWay}.`,
              'close() resolves, once every resize it accepted has settled (done or failed: Promise.allSettled) and every thread has ended.',
            ]),
      );
    }
    const results = settled.slice(1) as Outcome[];
    const dropped = results.filter((r) => !r.ok);
    // The very error the resizer gives work called once it is closed: an accepted call that got it was refused by the closed
    // flag, which it reached only after close() had set it (an await before its task was handed over), not dropped by the pool.
    const refusal = refusedAtOnce.find((state) => state.now === 'refused' && state.reason !== undefined)?.reason;
    const refusedLate = (outcome: Outcome | undefined) => refusal !== undefined && outcome !== undefined && !outcome.ok && describeError(outcome.reason) === describeError(refusal);
    const lateResizes = dropped.filter(refusedLate);
    if (lateResizes.length > 0) {
      const one = lateResizes[0];
      const refusedInAll = [...settled, ...parallelSettled].filter(refusedLate).length;
      fail(
        `close() refused ${refusedInAll} of the ${accepted} resizes called before it: ${refusedInAll === 1 ? 'it' : 'they'} rejected with ${one && !one.ok ? describeError(one.reason) : ''}, the very error your resizer gives work called after close().`,
        `${refusedInAll === 1 ? 'It was' : 'They were'} called before close(), and yet reached your closed check only once close() had been called: resize() awaits something before it`,
        'hands its task over (an `await` before the check, or between the check and pool.run), and close() runs in that gap. An accepted call must be checked,',
        'counted and handed to the pool in one synchronous step: no `await` before pool.run (or your queue) has the task and your set of tasks has its promise.',
      );
    }
    if (dropped.length > 0) {
      const one = dropped[0];
      fail(
        `close() dropped ${dropped.length} of the ${accepted} resizes it had accepted (${one && !one.ok ? describeError(one.reason) : ''}).`,
        'A server that shuts down finishes the requests it took: wait until every task you accepted has settled, then end the threads.',
        'Piscina 5\'s own close() does not wait for them: it ends every thread as soon as one of them is idle (tasks still queued or',
        'running reject with "Terminating worker thread"), and pool.destroy() rejects them at once. So call it last.',
      );
    }
    results.forEach((r, i) => {
      const image = images[i];
      if (r.ok && image) expectSameImage(r.result, downscale(image), `resize() #${i + 2} during close()`);
    });
    const expectedParallel = parallelImages.map((_, i) => (i % 2 === 0 ? reference() : topRows(reference(), reference().height / 2)));
    parallelSettled.forEach((outcome, i) => {
      if (outcome?.ok && expectedParallel[i]) expectSameImage(outcome.result, expectedParallel[i], `resizeParallel() #${i + 1} during close()`);
    });
    const aliveAtClose = atSettle?.alive ?? 0;
    // Threads take a moment to exit once told to.
    for (let waited = 0; runningOf(made).length > 0 && waited < 2000; waited += 20) await sleep(20);
    const alive = runningOf(made);
    if (alive.length > 0) {
      fail(
        `2 s after close() resolved, ${plural(alive.length, 'worker thread')} of the resizer ${alive.length === 1 ? 'was' : 'were'} still running (${alive.map((w) => `thread ${w.threadId}, created ${w.createdAt}`).join('; ')}): ${alive.length >= threads ? 'none of them was ended' : 'some were never ended'}.`,
        'Threads you never end hold their memory (and their files) until the process dies; a server that reloads its',
        'image service would pile them up. close() must end them once the accepted work is done: `await this.pool.close()`,',
        'or `await worker.terminate()` for each thread of your own.',
      );
    }
    if (unsettledAtClose > 0) {
      fail(
        `close() resolved while ${unsettledAtClose} of the ${accepted} resizes it had accepted ${unsettledAtClose === 1 ? 'was' : 'were'} still under way; ${unsettledAtClose === 1 ? 'it' : 'they'} settled only afterwards.`,
        'Whoever awaits close() goes on (a server exits) while that work still runs. Wait for every accepted task, however it ends',
        '(Promise.allSettled), tasks accepted while you wait included, then end the threads.',
      );
    }
    // Its threads were ended, but close() did not wait for them: whoever awaits close() goes on while they still run.
    if (aliveAtClose > 0) {
      fail(
        `close() resolved while ${aliveAtClose} of the ${plural(atSettle?.toEnd ?? aliveAtClose, 'worker thread')} it had to end ${aliveAtClose === 1 ? 'was' : 'were'} still running; ${aliveAtClose === 1 ? 'it' : 'they'} exited only afterwards.`,
        'close() must resolve once nothing of the resizer is left running. pool.close() and pool.destroy() both return a promise that settles',
        'when every thread has exited, and so does worker.terminate(): `await` it, last, inside close() (a `void pool.close()` or a forgotten',
        'await lets close() resolve too early).',
      );
    }
    const ports = watch.ports.slice(made.portMark).filter((port) => port.keepsAlive);
    if (ports.length > 0) {
      fail(
        `After close(), ${plural(ports.length, 'MessagePort')} the resizer opened ${ports.length === 1 ? 'is' : 'are'} still open, and keep${ports.length === 1 ? 's' : ''} the process alive:`,
        ...ports.map((port) => `  a MessageChannel's port, created ${port.createdAt}`),
        'Close every port once its work is done (port.close(), or close the whole MessageChannel\'s ports).',
      );
    }
    // A closed service takes no more work, by either door (piscina would quietly start new threads for it).
    for (const [name, call] of [
      ['resize()', () => resizer.resize(createTestImage(64, 48, 1))],
      ['resizeParallel()', () => resizer.resizeParallel(createTestImage(64, 48, 2))],
    ] as const) {
      const mark = watch.workers.length;
      let late: Settled<RgbaImage>;
      try {
        late = await settleWithin(call(), 3000);
      } catch (error) {
        late = { status: 'rejected', reason: error };
      }
      const restarted = startedSince(mark).length;
      if (late.status !== 'rejected' || restarted > 0) {
        fail(
          `${name} after close() ${late.status === 'fulfilled' ? 'still resized the image' : late.status === 'pending' ? 'never answered' : 'was refused'}${restarted > 0 ? `, and the resizer started ${plural(restarted, 'new thread')} for it` : ''}.`,
          'Once closed, refuse new work at once, in every method that takes any: reject with an Error saying the resizer is closed.',
        );
      }
    }
    // Called the instant close() was called: refused then and there, not let in (nor dropped later).
    for (const state of refusedAtOnce) {
      if (state.now === 'refused') continue;
      const later = await settleWithin(state.call, 3000);
      const restarted = startedSince(markAtClose).length;
      fail(
        `${state.name}, called in the same instant as close(), while close() still waited for the ${accepted} resizes it had accepted, was not refused: ` +
          `${state.now === 'pending' ? 'it was still pending' : 'it had already resized the image'} 200 microtask turns later, ${later.status === 'fulfilled' ? 'and later it resized the image' : later.status === 'pending' ? 'and it never answered' : `and it ended only later, with ${describeError(later.reason)}`}${restarted > 0 ? `; the resizer started ${plural(restarted, 'new thread')} meanwhile` : ''}.`,
        '-> close() closes the resizer the moment it is called, not once it is done: refuse new work from the start of close() (set the flag',
        '   first, then wait for the accepted work). Work let in while close() waits races with the end of the threads.',
      );
    }
    // Checked last: a resizer that also lets resizeParallel() in after close() is told that first.
    const parallelFailed = parallelSettled.filter((outcome): outcome is Extract<Outcome, { ok: false }> => outcome !== undefined && !outcome.ok);
    const parallelRefused = parallelFailed.filter(refusedLate);
    const parallelCalls = (count: number) => (count === parallelImages.length ? `${count === 2 ? 'both' : 'all'} resizeParallel() calls` : `${count} of the ${parallelImages.length} resizeParallel() calls`);
    if (parallelRefused.length > 0) {
      fail(
        `close() refused ${parallelCalls(parallelRefused.length)} made just before it: ${parallelRefused.length === 1 ? 'it' : 'they'} rejected with ${describeError(parallelRefused[0]?.reason)}, the very error your resizer gives work called after close(); the ${plural(resizeCalls, 'resize()')} accepted beside ${parallelRefused.length === 1 ? 'it' : 'them'} all finished.`,
        `${parallelRefused.length === 1 ? 'It was' : 'They were'} called before close(), and yet handed ${parallelRefused.length === 1 ? 'its' : 'their'} stripes over only once close() had been called: resizeParallel() awaits something before`,
        'it sends them (an async helper that cuts the stripes, a wait for the pool), and close() runs in that gap. Cut the stripes and hand every one',
        'to the pool (through the helper that counts it) before the first `await` in resizeParallel(); then await them together.',
      );
    }
    if (parallelFailed.length > 0 && parallelFailedAlone) {
      fail(
        `${parallelCalls(parallelFailed.length)} made just before close() rejected while it waited (${describeError(parallelFailed[0]?.reason)}), but resizeParallel() fails with nothing closing too:`,
        `earlier in these tests (step 3), with no close() anywhere, it rejected with ${describeError(parallelFailedAlone.reason)}.`,
        '-> that is resizeParallel() itself, not close(): make it work on its own first (step 3), then see whether close() waits for its stripes.',
      );
    }
    if (parallelFailed.length > 0) {
      fail(
        `close() dropped ${parallelCalls(parallelFailed.length)} that ${parallelFailed.length === 1 ? 'was' : 'were'} under way when it was called (${describeError(parallelFailed[0]?.reason)}); the ${plural(resizeCalls, 'resize()')} accepted beside ${parallelFailed.length === 1 ? 'it' : 'them'} all finished.`,
        'Their stripes are accepted work too: close() must wait until every task it handed to the threads has settled, resizeParallel()\'s',
        'stripes included, and only then end the threads. Look at what close() waits for: are the stripes among the tasks it counts (send them',
        'through the same helper as resize(), the one that keeps every task it lets through)? And does it wait for those tasks to settle, not',
        'for the queue to run empty (`pool.queueSize === 0`, a \'drain\' event): the tasks last taken from the queue are still running then.',
      );
    }
  });
});
