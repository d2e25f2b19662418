// Known-wrong: the whole profile is assembled inside the limited function, so each connection is held
// until the picture arrives too, long after its query answered, while other queries wait.
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
      const image = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
        (bytes) => ({ bytes, problem: undefined as unknown }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      return limit(async (): Promise<ProfileOutcome> => {
        try {
          const user = await withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal);
          const { bytes, problem } = await image; // the mistake: still holding the connection
          const profile: Profile = { userId, user, image: bytes };
          if (problem !== undefined) profile.imageProblem = problem;
          return { ok: true, profile };
        } catch (reason) {
          await image;
          return { ok: false, userId, reason };
        }
      });
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

