// A correct alternative for step 2: every picture leaves at once, and p-limit's limit.map runs the
// queries through one limiter (at most maxQueries at once), results in input order.
import pLimit from 'p-limit';
import type { Profile, ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const limit = pLimit(maxQueries);
  const [users, images] = await Promise.all([
    limit.map(userIds, (userId) => services.fetchUser(userId)),
    Promise.all(userIds.map((userId) => services.fetchImage(userId))),
  ]);
  return userIds.map((userId, i) => ({ userId, user: users[i]!, image: images[i]! }));
}
