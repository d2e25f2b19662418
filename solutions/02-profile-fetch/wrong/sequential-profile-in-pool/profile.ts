// Known-wrong (a step-1 mistake seen from step 2): getProfiles is right, but the getProfile it uses
// awaits the row before it asks for the picture, so every picture leaves only once its row is in.
import pLimit from 'p-limit';
import { type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfile(userId: number, services: ProfileServices): Promise<Profile> {
  const user = await services.fetchUser(userId);
  const image = await services.fetchImage(userId);
  return { userId, user, image };
}

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const limit = pLimit(maxQueries);
  const pooled: ProfileServices = { ...services, fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)) };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
