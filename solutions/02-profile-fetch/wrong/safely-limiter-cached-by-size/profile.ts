// Known-wrong: getProfilesSafely caches its limiter at module level, one per pool size: two batches given the
// same maxQueries at the same time share one pool, so each runs fewer queries than it was given while its own wait.
import pLimit, { type LimitFunction } from 'p-limit';
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
} from '../../profile.ts';
export * from '../../profile.ts';

const limiters = new Map<number, LimitFunction>();

export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  let limit = limiters.get(maxQueries);
  if (!limit) {
    limit = pLimit(maxQueries);
    limiters.set(maxQueries, limit);
  }
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      // The picture is optional: its failure becomes a placeholder (this promise never rejects).
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
  timeoutMs: number,
  batch: AbortSignal | undefined,
): Promise<T> {
  // A call that was still queued when the batch was cancelled never starts.
  batch?.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
