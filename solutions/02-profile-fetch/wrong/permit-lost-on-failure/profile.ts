// Known-wrong: a hand-written semaphore that gives the permit back only after a successful call.
// Each failed or timed-out query keeps its connection forever; enough of them and the batch hangs.
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
} from "../../profile.ts";
export * from "../../profile.ts";

function semaphore(permits: number) {
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (permits > 0) permits--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    const value = await fn(); // the mistake: a rejection skips the release
    const next = waiting.shift();
    if (next) next();
    else permits++;
    return value;
  };
}
export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = semaphore(maxQueries);
  const outcomes = await Promise.all(
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

