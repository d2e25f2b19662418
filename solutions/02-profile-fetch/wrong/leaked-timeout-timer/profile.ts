// Known-wrong: each call's timeout timer is never cleared when the call answers in time.
import pLimit from 'p-limit';
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
} from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const image = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
        (bytes) => ({ bytes, problem: undefined }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await limit(() => withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal));
        const { bytes, problem } = await image;
        const profile: Profile = { userId, user, image: bytes };
        if (problem !== undefined) profile.imageProblem = problem;
        return { ok: true, profile };
      } catch (reason) {
        // No profile without the row; still, the picture must not run on after the batch is done.
        await image;
        return { ok: false, userId, reason };
      }
    }),
  );
  signal?.throwIfAborted();
  return outcomes;
}

async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch?: AbortSignal): Promise<T> {
  batch?.throwIfAborted();
  const deadline = new AbortController();
  setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
}
