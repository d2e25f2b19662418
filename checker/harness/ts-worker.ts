// Starting a raw worker thread on a TypeScript file. Node 20 cannot do that by itself: `new Worker('x.ts')`
// fails with "Unknown file extension .ts", even when the parent runs under tsx, because the worker's first
// module is loaded before tsx's hooks are registered in that thread. `startWorker` starts a tiny boot
// script instead, which registers tsx's hooks in the new thread and then imports your file. Everything
// else is a plain `Worker`: `workerData`, `postMessage`, transfer lists, `terminate()`, its events.
//
//   import { startWorker } from '../../checker/harness/ts-worker.ts';
//   const worker = startWorker(new URL('./resize.worker.ts', import.meta.url), { workerData: { id: 1 } });
//
// (A piscina pool needs none of this: it loads `.ts` worker files through tsx on its own.)
// This module imports only Node built-ins, so it works in any thread and in plain `tsx` scripts.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Set on every worker startWorker starts: the file it runs (the harness's worker watch reads it). */
export const WORKER_ENTRY = Symbol.for('concurrency-kata.worker-entry');

const BOOT = new URL('./ts-worker.boot.mjs', import.meta.url).href;

/**
 * Starts a worker thread that runs `file` (a `.ts` or `.js` file: a `file:` URL, or an absolute path).
 * `options` are the Worker's own (`eval` is not: the file is the code).
 */
export function startWorker(file: URL | string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const href = toFileUrl(file);
  // Evaluated as a script in the new thread: load the boot module, which registers tsx, then the file.
  // A failure (a syntax error, a throw at the top of the file) becomes the worker's 'error' event.
  const boot = `import(${JSON.stringify(BOOT)}).then((boot) => boot.start(${JSON.stringify(href)}));`;
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
