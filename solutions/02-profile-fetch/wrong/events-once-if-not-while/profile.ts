// Known-wrong: a hand-written limiter on node:events that checks for a free connection with `if`
// instead of `while`: one 'free' event wakes every waiting query, and all of them go.
import { EventEmitter, once } from 'node:events';
import { getProfile, type Profile, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

function limiter(max: number) {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let running = 0;
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= max) await once(events, 'free');
    running += 1;
    try {
      return await fn();
    } finally {
      running -= 1;
      events.emit('free');
    }
  };
}

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const limit = limiter(maxQueries);
  const pooled: ProfileServices = { ...services, fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)) };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}
