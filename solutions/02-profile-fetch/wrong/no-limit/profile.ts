// Known-wrong: Promise.all over every user, nothing limiting the database queries.
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  _maxQueries: number,
): Promise<Profile[]> {
  return await Promise.all(userIds.map((userId) => getProfile(userId, services)));
}
