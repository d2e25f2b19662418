// Known-wrong: timeouts and cancellation are right, but a failed call rejects the Promise.all of the
// whole batch, and a missing picture fails its request instead of getting the placeholder.
import pLimit from 'p-limit';
import { TimeoutError, type BatchOptions, type ProfileOutcome, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  const limit = pLimit(maxQueries);
  return await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const [user, image] = await Promise.all([
        limit(() => withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal)),
        withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal),
      ]);
      return { ok: true, profile: { userId, user, image } };
    }),
  );
}

async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch?: AbortSignal): Promise<T> {
  batch?.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
