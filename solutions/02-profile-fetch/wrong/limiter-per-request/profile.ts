// Known-wrong: a new pLimit for every request: each limiter sees a single query, so nothing limits
// the batch.
import pLimit from 'p-limit';
import { type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  return await Promise.all(
    userIds.map(async (userId) => {
      const limit = pLimit(maxQueries);
      const [user, image] = await Promise.all([limit(() => services.fetchUser(userId)), services.fetchImage(userId)]);
      return { userId, user, image };
    }),
  );
}
