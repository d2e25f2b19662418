// Known-wrong: both tasks start at once, but are awaited one by one, so the second is unwatched.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  const userPromise = user();
  const imagePromise = image();
  return [await userPromise, await imagePromise];
}
