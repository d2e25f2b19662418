// Known-wrong: manual abort forwarding (removed in a finally, as it should be), with the batch check
// only where the queue is: inside the limited function. The pictures leave at once, so nobody checks
// the signal before them; and a signal that is already aborted never fires 'abort' again, so its
// forwarding listener never runs. Given a batch already cancelled, every picture still goes out and
// runs to the end, and the batch rejects only once they are all back.
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
  const limit = pLimit(maxQueries);
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const image = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
        (bytes) => ({ bytes, problem: undefined }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await limit(() => {
          // A query still queued when the batch was cancelled never starts.
          signal?.throwIfAborted();
          return withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal);
        });
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
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs);
  const forward = () => controller.abort(batch?.reason);
  batch?.addEventListener('abort', forward, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
    batch?.removeEventListener('abort', forward);
  }
}
