// Known-wrong: each call gets AbortSignal.any([batch, AbortSignal.timeout(timeoutMs)]); the timeout
// reason is turned into our TimeoutError. The timers of AbortSignal.timeout cannot be cleared.
import pLimit from "p-limit";
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
} from "../../profile.ts";
export * from "../../profile.ts";

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
  const timed = async <T>(call: (s: AbortSignal) => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    const own = AbortSignal.timeout(timeoutMs);
    try {
      return await call(signal ? AbortSignal.any([signal, own]) : own);
    } catch (error) {
      if (own.aborted && !signal?.aborted) throw new TimeoutError(timeoutMs);
      throw error;
    }
  };
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const image = timed((s) => services.fetchImage(userId, s)).then(
        (bytes) => ({ bytes, problem: undefined as unknown }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await limit(() => timed((s) => services.fetchUser(userId, s)));
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
