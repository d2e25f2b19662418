// The boot script of a worker started by startWorker (ts-worker.ts) whose file cannot be required (a
// top-level await): registers tsx's import hooks in this thread, then imports the file.
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
