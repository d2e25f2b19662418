// Known-wrong: each request pushes its outcome when it is done, and the list is then sorted by userId
// "to put it back in order". Sorted is not the input order: userIds [42, 7, 19] come back as 7, 19, 42.
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

// Step 3: every request turns its own failures into an outcome, so Promise.all never rejects
// because of one of them; the batch signal reaches every call and every queued call.
export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
  // Each request reports when it is done; sorted afterwards "to put them back in order".
  const outcomes: ProfileOutcome[] = [];
  await Promise.all(
    userIds.map(async (userId): Promise<void> => {
      outcomes.push(await request(userId));
    }),
  );
  signal?.throwIfAborted();
  return outcomes.sort((a, b) => idOf(a) - idOf(b));

  async function request(userId: number): Promise<ProfileOutcome> {
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
  }
}

const idOf = (outcome: ProfileOutcome): number => (outcome.ok ? outcome.profile.userId : outcome.userId);

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
