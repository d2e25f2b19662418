// Known-wrong: Promise.race([work, aborted]) where aborted listens on the batch signal forever.
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
  const work = Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      const image = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
        (bytes) => ({ bytes, problem: undefined as unknown }),
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
  if (!signal) return work;
  // signal.reason is whatever the caller aborted with (an Error by default).
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  return Promise.race([work, aborted]);
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
