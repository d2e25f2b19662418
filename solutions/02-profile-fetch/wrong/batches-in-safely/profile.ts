// Known-wrong: getProfilesSafely works group by group (maxQueries requests, then the next group):
// never over the limit, but each group waits for its slowest member while connections sit idle.
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
  const images = userIds.map((userId) =>
    withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
      (bytes) => ({ bytes, problem: undefined as unknown }),
      (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
    ),
  );
  const outcomes: ProfileOutcome[] = [];
  try {
    for (let i = 0; i < userIds.length; i += maxQueries) {
      const group = userIds.slice(i, i + maxQueries);
      outcomes.push(
        ...(await Promise.all(
          group.map(async (userId, j): Promise<ProfileOutcome> => {
            const image = images[i + j]!;
            try {
              const user = await withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal);
              const { bytes, problem } = await image;
              const profile: Profile = { userId, user, image: bytes };
              if (problem !== undefined) profile.imageProblem = problem;
              return { ok: true, profile };
            } catch (reason) {
              await image;
              return { ok: false, userId, reason };
            }
          }),
        )),
      );
    }
  } finally {
    await Promise.all(images);
  }
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

