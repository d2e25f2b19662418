// The boot script of a worker started by startWorker (ts-worker.ts): registers tsx's loader hooks in
// this thread, then imports the worker's own file, which may now be TypeScript.
import { register } from 'tsx/esm/api';

let registered = false;

/** Registers tsx once in this thread and imports `href` (a file: URL). */
export async function start(href) {
  if (!registered) {
    register();
    registered = true;
  }
  await import(href);
}
