// A correct alternative: no limiter. maxQueries lanes share ONE iterator over the users: each lane
// takes the next user from it (for...of on a shared iterator) the moment its query is done. The
// pictures all leave at once.
import { type Profile, type ProfileServices, type UserRow } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const images = Promise.all(userIds.map((userId) => services.fetchImage(userId)));
  const rows = new Array<UserRow>(userIds.length);
  const next = userIds.entries();
  const lane = async () => {
    for (const [i, userId] of next) rows[i] = await services.fetchUser(userId);
  };
  await Promise.all(Array.from({ length: Math.min(maxQueries, userIds.length) }, lane));
  const pictures = await images;
  return userIds.map((userId, i) => ({ userId, user: rows[i]!, image: pictures[i]! }));
}
