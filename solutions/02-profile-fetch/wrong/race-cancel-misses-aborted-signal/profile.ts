// Known-wrong: the batch rejects by racing Promise.all against an 'abort' listener, and nothing checks
// the signal before that. A signal that is already aborted never fires 'abort' again: the listener never
// runs, every call gives up at once, and the batch resolves with a list of aborted outcomes instead of
// rejecting.
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
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as it is
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  const all = Promise.all(
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
  try {
    return await Promise.race([all, aborted]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
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
