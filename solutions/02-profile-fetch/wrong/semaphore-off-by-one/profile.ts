// Known-wrong: a hand-written limiter whose guard is `running <= max` instead of `running < max`:
// it lets one query more than the pool size through, every time.
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  maxQueries: number,
): Promise<Profile[]> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const limited = async <T>(call: () => Promise<T>): Promise<T> => {
    if (running <= maxQueries) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await call();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
  const pooled: ProfileServices = {
    ...services,
    fetchUser: (userId, signal) => limited(() => services.fetchUser(userId, signal)),
  };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
