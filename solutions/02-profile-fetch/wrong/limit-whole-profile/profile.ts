// Known-wrong: the limiter wraps the whole getProfile (the query and the picture), so each picture
// waits for a connection and each connection is held until its picture has arrived.
import pLimit from 'p-limit';
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const limit = pLimit(maxQueries);
  return await Promise.all(userIds.map((userId) => limit(() => getProfile(userId, services))));
}
