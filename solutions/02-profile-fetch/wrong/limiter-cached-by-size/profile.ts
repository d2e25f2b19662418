// Known-wrong: the limiter is cached at module level, one per pool size ("why make a new one every call?"):
// two batches given the same maxQueries share one pool, so each gets only part of its connections.
import pLimit, { type LimitFunction } from 'p-limit';
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

const limiters = new Map<number, LimitFunction>();

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  let limit = limiters.get(maxQueries);
  if (!limit) {
    limit = pLimit(maxQueries);
    limiters.set(maxQueries, limit);
  }
  const pooled: ProfileServices = { ...services, fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)) };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
