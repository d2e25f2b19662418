// Known-wrong: loadBoth catches a failure and throws a new Error with the same message ("to add
// context"): the caller gets a different error object, without the original's type, stack or cause.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  try {
    return await Promise.all([user(), image()]);
  } catch (error) {
    // eslint-disable-next-line preserve-caught-error -- the mistake this variant shows: a copy, without the original
    throw new Error((error as Error).message);
  }
}
