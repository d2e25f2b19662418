import type { Context } from '../context.ts';
import { currentExercise } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import type { RoomReporter } from '../room/learner.ts';
import { renderVerdict } from '../ui/verdict.ts';
import { gradeAndRecord } from './verify.ts';

/** `run [id]`: test one exercise once and show its verdict; a named exercise becomes the current one. */
export async function run(ctx: Context, ids: string[], room?: RoomReporter): Promise<number> {
  const exercise = ids[0] !== undefined ? resolveExercise(ids[0], ctx.exercises) : currentExercise(ctx);
  if (!exercise) {
    ctx.out('Every exercise is done. Run `npm run kata -- verify` to grade them all again.');
    return 0;
  }
  // The exercise named is the one being worked on: a bare `hint` or `npm start` goes on with it.
  if (ids[0] !== undefined) ctx.store.setCurrent(exercise.id);
  // The step in front of the learner first: the steps run in order and stop at the first that fails.
  const [report] = await gradeAndRecord(ctx, { kind: 'exercises' }, [exercise], { stepFirst: true });
  if (!report) return 1;
  ctx.out(renderVerdict(exercise, report));
  // The workshop room, if joined (sent in the background; a quiet line when there is news).
  const roomLine = room?.report([report], ctx.store);
  if (roomLine) ctx.err(roomLine);
  return report.status === 'passed' ? 0 : 1;
}
