// Known-wrong: batches instead of a pool. Groups of maxQueries users, one Promise.all per group:
// never more than maxQueries at once, but each group waits for its slowest query before the next
// group starts. With equal latencies it looks exactly like a pool; with latencies that differ,
// connections sit idle while queries wait.
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  maxQueries: number,
): Promise<Profile[]> {
  const profiles: Profile[] = [];
  for (let i = 0; i < userIds.length; i += maxQueries) {
    const group = userIds.slice(i, i + maxQueries);
    profiles.push(...(await Promise.all(group.map((userId) => getProfile(userId, services)))));
  }
  return profiles;
}
