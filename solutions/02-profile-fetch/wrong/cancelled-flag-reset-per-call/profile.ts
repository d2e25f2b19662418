// Known-wrong: the cancel is remembered in a module-level flag, reset at the start of every batch so that an
// earlier batch's cancel does not stick. Batches running at the same time still share it: when one is cancelled,
// the queued calls of every other batch running beside it see the flag and give up without a query.
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

/** Set when the batch is cancelled: queued calls see it and give up. Reset by every new batch. */
let cancelled = false;

export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  cancelled = false;
  const onCancel = () => {
    cancelled = true;
  };
  signal?.addEventListener('abort', onCancel);
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
    signal?.removeEventListener('abort', onCancel);
  }
}

async function withTimeout<T>(
  call: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  batch: AbortSignal | undefined,
): Promise<T> {
  // A call still queued when the batch was cancelled never starts.
  if (cancelled) throw batch?.reason ?? new Error('batch cancelled');
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
