// Known-wrong: a limiter of 1, so the queries run single file on a ten-connection pool.
import pLimit from 'p-limit';
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  _maxQueries: number,
): Promise<Profile[]> {
  const limit = pLimit(1);
  const pooled: ProfileServices = {
    ...services,
    fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)),
  };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
