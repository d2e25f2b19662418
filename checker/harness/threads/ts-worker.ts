// Starting a raw worker thread on a TypeScript file. Node 20 cannot do that by itself: `new Worker('x.ts')`
// fails with "Unknown file extension .ts", even when the parent runs under tsx. `startWorker` starts a
// tiny boot script instead, which loads your file through tsx's require hook, in the new thread itself:
// the one the kata's test processes pass on to every thread (`--require tsx/cjs`, kata-project.ts), or
// one it registers if the thread has none. (tsx's import hooks would cost each thread a loader thread of
// its own: about twice the start-up.) A file with a top-level await cannot be required: it is imported
// through tsx's import hooks instead. Everything else is a plain `Worker`: `workerData`, `postMessage`,
// transfer lists, `terminate()`, its events.
//
//   import { startWorker } from './ts-worker.ts';
//   const worker = startWorker(new URL('./resize.worker.ts', import.meta.url), { workerData: { id: 1 } });
//
// (A piscina pool needs none of this: it requires `.ts` worker files through the inherited hook.)
// This module imports only Node built-ins, so it works in any thread and in plain `tsx` scripts.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Set on every worker startWorker starts: the file it runs (the harness's worker watch reads it). */
export const WORKER_ENTRY = Symbol.for('concurrency-kata.worker-entry');

const BOOT = new URL('./ts-worker.boot.mjs', import.meta.url).href;
const TSX_REQUIRE_HOOK = createRequire(import.meta.url).resolve('tsx/cjs/api');

/**
 * Starts a worker thread that runs `file` (a `.ts` or `.js` file: a `file:` URL, or an absolute path).
 * `options` are the Worker's own (`eval` is not: the file is the code).
 */
export function startWorker(file: URL | string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const href = toFileUrl(file);
  // Evaluated as a script in the new thread. A failure (a syntax error, a throw at the top of the
  // file) becomes the worker's 'error' event.
  const boot = [
    `if (!process.execArgv.some((arg) => arg.includes('tsx'))) require(${JSON.stringify(TSX_REQUIRE_HOOK)}).register();`,
    'try {',
    `  require(${JSON.stringify(fileURLToPath(href))});`,
    '} catch (error) {',
    "  if (!/top-level await|ERR_REQUIRE_ASYNC_MODULE/i.test(`${error?.code} ${error?.message}`)) throw error;",
    `  import(${JSON.stringify(BOOT)}).then((boot) => boot.start(${JSON.stringify(href)}));`,
    '}',
  ].join('\n');
  const worker = new Worker(boot, { ...options, eval: true });
  Object.defineProperty(worker, WORKER_ENTRY, { value: href });
  return worker;
}

function toFileUrl(file: URL | string): string {
  if (file instanceof URL) {
    if (file.protocol !== 'file:') throw new TypeError(`startWorker: ${file.href} is not a file: URL`);
    return file.href;
  }
  if (file.startsWith('file:')) return new URL(file).href;
  if (!/^(?:[A-Za-z]:)?[\\/]/.test(file)) {
    throw new TypeError(`startWorker: "${file}" is a relative path; pass new URL('${file}', import.meta.url) or an absolute path`);
  }
  return pathToFileURL(file).href;
}

/** The file a worker started by startWorker runs (undefined for any other worker). */
export function workerEntry(worker: Worker): string | undefined {
  const entry = (worker as unknown as Record<symbol, unknown>)[WORKER_ENTRY];
  return typeof entry === 'string' ? fileURLToPath(entry) : undefined;
}
