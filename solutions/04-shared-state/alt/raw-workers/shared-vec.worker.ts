// Correct alternative (see shared-vec.ts): a raw worker thread's whole script. Its share of the work
// arrives as workerData; when the script ends, the thread exits.
import { workerData } from 'node:worker_threads';
import { fillInto } from '../../shared-vec.worker.ts';
import { SharedVec, type FillTask } from '../../shared-vec.ts';

const task = workerData as FillTask;
fillInto(new SharedVec(task.buffer), task);
