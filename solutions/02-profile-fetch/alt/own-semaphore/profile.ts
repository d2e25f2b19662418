// A correct alternative: a semaphore of our own instead of p-limit (the article's tokio::sync::Semaphore).
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  getProfile,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
} from '../../profile.ts';
export * from '../../profile.ts';

// Step 2: the same pool as the reference, on a semaphore written by hand.
export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  maxQueries: number,
): Promise<Profile[]> {
  const limit = semaphore(maxQueries);
  const pooled: ProfileServices = {
    ...services,
    fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)),
  };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}

// Step 3: as the reference, on the hand-written semaphore.
export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = semaphore(maxQueries);
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

/**
 * A counting semaphore, like tokio's: `permits` calls may run at once; the others wait in a queue,
 * oldest first. A finished call hands its permit straight to the next in line, so a freed
 * connection is used at once and no newcomer can take it first.
 */
function semaphore(permits: number) {
  let free = permits;
  const queue: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  };
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else free++;
  };
  return async <T>(call: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await call();
    } finally {
      release(); // exactly once, however the call ended
    }
  };
}
