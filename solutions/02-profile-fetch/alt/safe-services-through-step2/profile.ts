// A correct alternative for step 3 that reuses step 2: getProfilesSafely hands getProfiles services that never
// reject (each call settles into a result box, with its own deadline), so getProfiles' one limiter and its
// Promise.all do the pooling, and the boxes are opened into outcomes afterwards.
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  getProfiles,
  type BatchOptions,
  type ProfileOutcome,
  type ProfileServices,
  type UserRow,
} from '../../profile.ts';
export * from '../../profile.ts';

type Box<T> = { ok: true; value: T } | { ok: false; reason: unknown };

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const boxed = async <T>(fn: (s: AbortSignal) => Promise<T>): Promise<Box<T>> => {
    try {
      signal?.throwIfAborted();
      const own = new AbortController();
      const timer = setTimeout(() => own.abort(new TimeoutError(timeoutMs)), timeoutMs);
      try {
        return { ok: true, value: await fn(signal ? AbortSignal.any([signal, own.signal]) : own.signal) };
      } finally {
        clearTimeout(timer);
      }
    } catch (reason) {
      return { ok: false, reason };
    }
  };
  // getProfiles only passes the values through: the boxes travel in the places of the row and the picture.
  const safe: ProfileServices = {
    fetchUser: (id) => boxed((s) => services.fetchUser(id, s)) as unknown as Promise<UserRow>,
    fetchImage: (id) => boxed((s) => services.fetchImage(id, s)) as unknown as Promise<Uint8Array>,
  };
  const profiles = await getProfiles(userIds, safe, maxQueries);
  signal?.throwIfAborted();
  return profiles.map(({ userId, user, image }): ProfileOutcome => {
    const row = user as unknown as Box<UserRow>;
    const picture = image as unknown as Box<Uint8Array>;
    if (!row.ok) return { ok: false, userId, reason: row.reason };
    return picture.ok
      ? { ok: true, profile: { userId, user: row.value, image: picture.value } }
      : { ok: true, profile: { userId, user: row.value, image: PLACEHOLDER_IMAGE, imageProblem: picture.reason } };
  });
}
