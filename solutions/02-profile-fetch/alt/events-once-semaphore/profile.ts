// A correct alternative: a hand-written limiter on node:events. A query waits with events.once for a
// 'free' event while every connection is taken, and checks again when it wakes (the first awake takes
// the connection; the others wait again). Released in a finally, however the query ends.
import { EventEmitter, once } from 'node:events';
import { getProfile, PLACEHOLDER_IMAGE, TimeoutError, type BatchOptions, type Profile, type ProfileOutcome, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

function limiter(max: number) {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let running = 0;
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    while (running >= max) await once(events, 'free');
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

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = limiter(maxQueries);
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const image = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
        (bytes) => ({ bytes, problem: undefined as unknown }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await limit(() => withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal));
        const { bytes, problem } = await image;
        const profile: Profile = { userId, user, image: bytes };
        if (problem !== undefined) profile.imageProblem = problem;
        return { ok: true, profile };
      } catch (reason) {
        await image;
        return { ok: false, userId, reason };
      }
    }),
  );
  signal?.throwIfAborted();
  return outcomes;
}

async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch: AbortSignal | undefined): Promise<T> {
  batch?.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
