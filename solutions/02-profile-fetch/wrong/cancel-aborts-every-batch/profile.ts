// Known-wrong: every call's controller goes into one module-level set, so that "a cancel stops everything
// in flight". Everything means every batch: cancelling one batch aborts the calls of every other batch
// running at the same time.
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

const inFlight = new Set<AbortController>();

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
  const cancelAll = () => {
    for (const controller of inFlight) controller.abort(signal?.reason);
  };
  signal?.addEventListener('abort', cancelAll, { once: true });
  try {
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
          await image;
          return { ok: false, userId, reason };
        }
      }),
    );
    signal?.throwIfAborted();
    return outcomes;
  } finally {
    signal?.removeEventListener('abort', cancelAll);
  }
}

async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch: AbortSignal | undefined): Promise<T> {
  batch?.throwIfAborted();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs);
  inFlight.add(controller);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
    inFlight.delete(controller);
  }
}
