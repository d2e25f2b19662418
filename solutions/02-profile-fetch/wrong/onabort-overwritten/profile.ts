// Known-wrong: each call forwards the batch abort by setting signal.onabort. There is only one onabort:
// every call overwrites the one before, so a cancel reaches only the call that set it last.
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

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
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
    if (signal) signal.onabort = null;
  }
}

async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch: AbortSignal | undefined): Promise<T> {
  batch?.throwIfAborted();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs);
  if (batch) batch.onabort = () => controller.abort(batch.reason);
  try {
    return await call(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
