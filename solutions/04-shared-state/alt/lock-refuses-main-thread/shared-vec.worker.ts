// Correct alternative (see shared-vec.ts): the reference worker, over this alternative's SharedVec.
import { fillInto } from '../../shared-vec.worker.ts';
import { SharedVec, type FillTask } from './shared-vec.ts';

export default function fill(task: FillTask): void {
  fillInto(new SharedVec(task.buffer), task);
}
