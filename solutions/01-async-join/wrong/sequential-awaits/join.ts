// Known-wrong: each await finishes before the next task is even started.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  const userData = await user();
  const imageData = await image();
  return [userData, imageData];
}
