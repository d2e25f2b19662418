// A worker file for ts-worker.test.ts with a top-level await: it cannot be required, only imported.
import { parentPort } from 'node:worker_threads';

const answer: number = await Promise.resolve(42);
parentPort!.postMessage({ answer });
