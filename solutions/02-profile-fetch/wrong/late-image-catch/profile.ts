// Known-wrong: the picture starts at once, but its failure is caught only after the query is done.
// A picture that fails while the query waits for a connection rejects with nobody listening.
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
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const imageCall = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal);
      const settleImage = () => imageCall.then(
        (bytes) => ({ bytes, problem: undefined as unknown }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await limit(() => withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal));
        const { bytes, problem } = await settleImage();
        const profile: Profile = { userId, user, image: bytes };
        if (problem !== undefined) profile.imageProblem = problem;
        return { ok: true, profile };
      } catch (reason) {
        await settleImage();
        return { ok: false, userId, reason };
      }
    }),
  );
  signal?.throwIfAborted();
  return outcomes;
}

async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch: AbortSignal | undefined): Promise<T> {
  batch?.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

