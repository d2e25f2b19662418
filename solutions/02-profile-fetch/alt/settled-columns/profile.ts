// A correct alternative for step 3, in columns: every picture (allSettled), every query through one
// limiter (allSettled), then the two columns zipped by index. Each call still has its own deadline, started
// inside the limited function, and the batch signal reaches every call.
import pLimit from 'p-limit';
import { PLACEHOLDER_IMAGE, TimeoutError, type BatchOptions, type ProfileOutcome, type ProfileServices } from '../../profile.ts';
export * from '../../profile.ts';

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  if (signal?.aborted) throw signal.reason;
  const limit = pLimit(maxQueries);
  const call = async <T>(fn: (s: AbortSignal) => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw signal.reason;
    const own = new AbortController();
    const timer = setTimeout(() => own.abort(new TimeoutError(timeoutMs)), timeoutMs);
    try {
      return await fn(signal ? AbortSignal.any([signal, own.signal]) : own.signal);
    } finally {
      clearTimeout(timer);
    }
  };
  const [rows, pictures] = await Promise.all([
    Promise.allSettled(userIds.map((id) => limit(() => call((s) => services.fetchUser(id, s))))),
    Promise.allSettled(userIds.map((id) => call((s) => services.fetchImage(id, s)))),
  ]);
  if (signal?.aborted) throw signal.reason;
  return userIds.map((userId, i): ProfileOutcome => {
    const row = rows[i]!;
    const picture = pictures[i]!;
    if (row.status === 'rejected') return { ok: false, userId, reason: row.reason };
    return picture.status === 'fulfilled'
      ? { ok: true, profile: { userId, user: row.value, image: picture.value } }
      : { ok: true, profile: { userId, user: row.value, image: PLACEHOLDER_IMAGE, imageProblem: picture.reason } };
  });
}
