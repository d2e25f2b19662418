// Exercise 03 tests. Each `describe` is one graded step. CPU work is real work here, so the timing tests
// compare against a baseline measured in the same test; the rest is machine-independent evidence:
// which thread ran each downscale and when (image.ts reports it), detached buffers, exact pixels.
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { afterAll, describe, it } from 'vitest';
import {
  BareThreads,
  describeCriticalPath,
  describeError,
  describeSpeedup,
  drawWork,
  fail,
  judgeCriticalPath,
  judgeSpeedup,
  listenToWork,
  ms,
  parallelThreads,
  peakConcurrency,
  probeWhile,
  skipFor,
  threadsOf,
  timed,
  wallClock,
  type EventLoopReport,
} from '../../checker/harness/index.ts';
import { DOWNSCALE_LABEL, copyImage, createTestImage, describeImage, downscale, sameImage, type RgbaImage } from './image.ts';
import { ImageResizer } from './resize.ts';
import resizeTask from './resize.worker.ts';

const CORES = os.availableParallelism();
/** The critical-path speed-up resizeParallel() must reach: one thread measures 0.95-1.06x, two threads 1.47-2.06x. */
const MIN_SPEEDUP = 1.25;
const work = listenToWork();
const resizers: ImageResizer[] = [];
let bare: BareThreads | undefined;

afterAll(async () => {
  work.close();
  // Clean up whatever the code under test left running, without calling its (maybe unfinished) close().
  await Promise.allSettled(resizers.map(async (resizer) => await (resizer.pool as Piscina | undefined)?.destroy()));
  await bare?.close();
});

// The big picture every timing test uses: about 3 megapixels, a fifth of a second of downscaling.
let bigImage: RgbaImage | undefined;
const big = (): RgbaImage => (bigImage ??= createTestImage(2048, 1536, 7));
let bigReference: RgbaImage | undefined;
const reference = (): RgbaImage => (bigReference ??= downscale(big()));
// The speed-up test runs many resizes: a smaller (1.5-megapixel) picture keeps it quick.
let speedImage: RgbaImage | undefined;

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

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

/** A resizer, warmed up: every thread has loaded its worker file and downscaled something. */
async function warmResizer(threads?: number): Promise<ImageResizer> {
  const resizer = threads === undefined ? new ImageResizer() : new ImageResizer({ threads });
  resizers.push(resizer);
  threads ??= CORES;
  for (let round = 0; round < 2; round++) {
    await Promise.all(Array.from({ length: threads }, (_, i) => resizer.resize(createTestImage(512, 384, i + 1))));
  }
  return resizer;
}

// Steps 1-3 share a pool of at least two threads (so parallelism shows even on one core), step 4 one
// of the default size: on two cores or more, that is the same pool, created with `new ImageResizer()`.
let sharedResizer: Promise<ImageResizer> | undefined;
const shared = () => (sharedResizer ??= warmResizer(CORES >= 2 ? undefined : 2));
let defaultResizer: Promise<ImageResizer> | undefined;
const withDefaults = () => (defaultResizer ??= CORES >= 2 ? shared() : warmResizer());

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

function describeProbe(report: EventLoopReport): string {
  return `largest gap between ticks ${ms(report.maxGapMs)}, ${report.ticks} ticks in ${ms(report.elapsedMs)}, event-loop utilisation ${report.utilization.toFixed(2)}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
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
    if (gapMs >= workMs / 2) {
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
        `After resize() the caller's image still holds its ${mb(bytes)} of pixels: they were copied to the worker (structured clone), not moved.`,
        'A copy costs main-thread time and memory on every request. List the buffer in the transfer list:',
        '`this.pool.run(image, { transferList: [image.data.buffer] })` moves it, and leaves the caller\'s array empty',
        '(byteLength 0), just as a Rust value you moved into a thread is no longer yours.',
      );
    }
    expectSameImage(result, reference(), 'resize() with a moved buffer');
  });

  it('moves the result back: the worker wraps its pixels in Piscina.move', () => {
    // The worker's function, called right here on a tiny image: what does it hand back to piscina?
    const returned: unknown = resizeTask(createTestImage(64, 48, 3));
    const moved = typeof returned === 'object' && returned !== null && Piscina.transferableSymbol in returned;
    if (!moved) {
      fail(
        `resize.worker.ts returns ${returned instanceof Uint8Array ? `a plain Uint8Array (${returned.byteLength} bytes here)` : describeError(returned)}: piscina copies it back to the main thread.`,
        'Return `Piscina.move(pixels)`: the worker gives its buffer up, and it arrives without a copy.',
      );
    }
  });
});

describe('step 3: all cores at once', () => {
  it('stitches stripes into exactly the picture downscale() makes', async () => {
    const resizer = await shared();
    const hint = 'Each stripe must be a whole number of 2-row pairs (output row y comes from input rows 2y and 2y+1),' +
      ' and each piece must land at its own output row.';
    const original = copyImage(big());
    const result = await resizer.resizeParallel(original);
    expectSameImage(result, reference(), `resizeParallel() of a ${describeImage(big())} image`, hint);
    if (!sameImage(original, big())) fail('resizeParallel() changed (or used up) the caller\'s image: send copies of the stripes, not the image itself.');
    // An awkward size: 778 rows split in two is 389 rows each, an odd number.
    const awkward = createTestImage(1000, 778, 5);
    expectSameImage(await resizer.resizeParallel(copyImage(awkward)), downscale(awkward), 'resizeParallel() of a 1000x778 image', hint);
  });

  it('splits the work over the pool\'s threads, and they work at the same time', async () => {
    const resizer = await shared();
    const since = wallClock();
    await resizer.resizeParallel(copyImage(big()));
    const spans = await work.settled({ since, label: DOWNSCALE_LABEL }, { atLeast: 2, timeoutMs: 500 });
    const threads = threadsOf(spans);
    if (spans.length < 2) {
      fail(
        `resizeParallel() downscaled the image in ${spans.length} piece: the whole picture went to one thread, and the other ${parallelThreads() - 1} thread(s) of the pool sat idle.`,
        drawWork(spans),
        'Cut the rows into one stripe per thread and hand every stripe to the pool before awaiting any (Promise.all).',
      );
    }
    if (threads.length < 2) {
      fail(`All ${spans.length} stripes ran on one thread (${threads.join(', ')}): the pool had ${parallelThreads()}.`, drawWork(spans));
    }
    if (peakConcurrency(spans) < 2) {
      fail(
        `The ${spans.length} stripes ran on ${threads.length} threads, but one after the other: never two at the same time.`,
        drawWork(spans),
        'Hand every stripe to the pool first, then await them together: an `await` inside the loop waits for each stripe before sending the next.',
      );
    }
  });

  it('is faster than one thread: each thread does its share of the work, at the same time', async (ctx) => {
    const resizer = await shared();
    skipFor(ctx, 'one-core', `this machine has ${CORES} core: threads can take turns but not run at once, so there is no speed-up to measure`);
    const picture = (speedImage ??= createTestImage(1536, 1024, 11));
    const runs = {
      input: () => copyImage(picture),
      one: (image: RgbaImage) => resizer.resize(image),
      all: (image: RgbaImage) => resizer.resizeParallel(image),
    };
    // The critical path, from the CPU time the kernel counted for each thread: a busy machine
    // stretches wall-clock times (and makes them useless here), but not these.
    const verdict = await judgeCriticalPath({ ...runs, log: work, label: DOWNSCALE_LABEL, minSpeedup: MIN_SPEEDUP });
    if (verdict.outcome === 'faster') return;
    if (verdict.outcome === 'slower') {
      const median = verdict.median;
      fail(
        `On free cores resizeParallel() would be ${median?.speedup.toFixed(2)}x as fast as resize() on one thread; it should be at least ${MIN_SPEEDUP}x.`,
        describeCriticalPath(verdict, 'resize()        ', 'resizeParallel()'),
        '(CPU time each thread really spent, from the kernel; the median of the attempts counts.)',
        median && median.all.pieces.length <= 1
          ? '-> the whole picture is still one piece of work on one thread. Cut it into one stripe per thread.'
          : '-> one piece does most of the work, or the main thread does: cut even stripes, and keep the splitting and stitching cheap.',
      );
    }
    // No per-thread CPU times on this system: fall back to wall clocks, beside bare threads.
    bare ??= await BareThreads.start(parallelThreads());
    const wall = await judgeSpeedup({ ...runs, bare });
    const table = describeSpeedup(wall, 'resize / resizeParallel');
    if (wall.outcome === 'inconclusive') {
      skipFor(ctx, 'busy-machine-without-thread-clock', `bare threads gained no parallel speed-up on this machine just now (it is busy), so there was nothing to compare with:\n${table}`);
    }
    if (wall.outcome === 'slower') {
      const best = wall.attempts.filter((a) => a.conclusive).sort((a, b) => b.share - a.share)[0];
      fail(
        `resizeParallel() was at best ${best?.code.speedup.toFixed(2)}x faster than resize() on one thread, while bare threads, measured in the same attempt, reached ${best?.machine.speedup.toFixed(2)}x.`,
        table,
        `resizeParallel() should get at least ${Math.round(wall.minShare * 100)}% of the machine's gain. Is all the work on one thread, or do the stripes wait for each other?`,
      );
    }
  });
});

describe('step 4: the pool\'s life', () => {
  it('is sized from os.availableParallelism(), with every thread started up front', async () => {
    const resizer = await withDefaults();
    const { maxThreads, minThreads } = resizer.pool.options;
    if (maxThreads !== CORES) {
      fail(
        `The pool may run ${maxThreads} threads on a machine with ${CORES} cores (os.availableParallelism()).`,
        maxThreads > CORES
          ? 'CPU-bound threads beyond the core count only take turns, and each turn costs a switch. Piscina\'s default is 1.5 x cores: set maxThreads yourself.'
          : 'Fewer threads than cores leaves cores idle.',
      );
    }
    if (minThreads !== maxThreads) {
      fail(
        `The pool starts ${minThreads} thread(s) up front (minThreads) and up to ${maxThreads} on demand.`,
        'A worker thread takes a few hundred ms to start (it loads its file), and piscina ends idle ones above minThreads:',
        'the first busy moment pays that start-up. Set minThreads to the same number as maxThreads.',
      );
    }
  });

  it('is created once and reused: many calls, no new threads', async () => {
    const resizer = await withDefaults();
    const calls = 2 * CORES + 2;
    const since = wallClock();
    const times: number[] = [];
    for (let i = 0; i < calls; i++) times.push(await timed(() => resizer.resize(createTestImage(256, 192, i + 1))));
    const spans = await work.settled({ since, label: DOWNSCALE_LABEL }, { atLeast: calls, timeoutMs: 1000 });
    const threads = threadsOf(spans).filter((id) => id !== threadId);
    if (threads.length > CORES) {
      const sorted = [...times].sort((a, b) => a - b);
      fail(
        `${calls} calls in a row ran on ${threads.length} different threads (${threads.join(', ')}), but the pool has ${CORES}: a new pool or Worker is created per call.`,
        `Each call then pays for starting a thread: these small resizes took ${ms(sorted[0] ?? 0)} to ${ms(sorted[sorted.length - 1] ?? 0)} each, where a warm pool answers in a few ms.`,
        'Create the pool once, in the constructor, and run every task on it (this.pool.run).',
      );
    }
  });

  it('cancels a running resize with an AbortSignal: the worker stops mid-way', async () => {
    const resizer = await withDefaults();
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
    // Stopping a running task means ending its thread (piscina starts a fresh one in its place).
    const spans = work.spans({ since, label: DOWNSCALE_LABEL });
    const ranOn = spans[0]?.threadId;
    const stillRunning = resizer.pool.threads.some((worker) => worker.threadId === ranOn);
    if (stillRunning) {
      fail(
        `resize() rejected, but thread ${ranOn} is still busy with the downscale: nothing was cancelled, the result will only be thrown away.`,
        drawWork(spans),
        'Pass the signal to piscina (`this.pool.run(task, { signal })`): it terminates the worker that runs the task.',
      );
    }
  });

  it('close() finishes the work it accepted, then ends every thread', async () => {
    const resizer = await withDefaults();
    const images = Array.from({ length: CORES + 2 }, (_, i) => createTestImage(512, 384, i + 20));
    // More tasks than threads: some are still queued when close() is called.
    const outcomes = images.map((image) =>
      resizer.resize(copyImage(image)).then(
        (result) => ({ ok: true as const, result }),
        (reason: unknown) => ({ ok: false as const, reason }),
      ),
    );
    let closeError: unknown;
    const closing = resizer.close().catch((error: unknown) => (closeError = error));
    const results = await Promise.all(outcomes);
    await Promise.race([closing, sleep(5000)]);
    if (closeError !== undefined) fail(`close() rejected: ${describeError(closeError)}`);
    const dropped = results.filter((r) => !r.ok);
    if (dropped.length > 0) {
      const first = dropped[0];
      fail(
        `close() dropped ${dropped.length} of the ${images.length} resizes it had accepted (${first && !first.ok ? describeError(first.reason) : ''}).`,
        'A server that shuts down finishes the requests it took: pool.close() waits for queued and running tasks; pool.destroy() throws them away.',
      );
    }
    results.forEach((r, i) => {
      const image = images[i];
      if (r.ok && image) expectSameImage(r.result, downscale(image), `resize() #${i + 1} during close()`);
    });
    const alive = resizer.pool.threads.length;
    if (alive > 0) {
      fail(
        `After close() the pool still had ${alive} worker thread(s): it was never closed.`,
        'Threads you never end hold their memory (and their files) until the process dies; a server that reloads its',
        'image service would pile them up. close() must `await this.pool.close()`.',
      );
    }
    // A closed service takes no more work (piscina would quietly start new threads for it).
    const late = await settleWithin(resizer.resize(createTestImage(64, 48, 1)), 3000);
    if (late.status !== 'rejected') {
      fail(
        `resize() after close() ${late.status === 'fulfilled' ? 'still resized the image' : 'never answered'}${resizer.pool.threads.length > 0 ? `, and the pool started ${resizer.pool.threads.length} new thread(s) for it` : ''}.`,
        'Once closed, refuse new work at once: reject with an Error saying the resizer is closed.',
      );
    }
  });
});
