// A correct alternative: one TimeoutError made per batch, the reason of every call that times out.
import pLimit from 'p-limit';
import { PLACEHOLDER_IMAGE, TimeoutError, type BatchOptions, type Profile, type ProfileOutcome, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
  // One TimeoutError for the batch: every call that times out is aborted with it.
  const timedOut = new TimeoutError(timeoutMs);
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      // The picture is optional: its failure becomes a placeholder (this promise never rejects).
      const image = withTimeout((s) => services.fetchImage(userId, s), timedOut, signal).then(
        (bytes) => ({ bytes, problem: undefined }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await limit(() => withTimeout((s) => services.fetchUser(userId, s), timedOut, signal));
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
  // Cancelled: the outcomes above are only "aborted", the caller wants the abort itself.
  signal?.throwIfAborted();
  return outcomes;
}

/**
 * One call with its own deadline. The timer starts when the call does (not while the call waits
 * for a connection) and is cleared however the call ends.
 */
async function withTimeout<T>(
  call: (signal: AbortSignal) => Promise<T>,
  timedOut: TimeoutError,
  batch: AbortSignal | undefined,
): Promise<T> {
  // A call that was still queued when the batch was cancelled never starts.
  batch?.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(timedOut), timedOut.timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
