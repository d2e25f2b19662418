// A correct alternative: no limiter. Every picture starts at once; maxQueries "lanes" pull the next
// user from a shared index and run its query, so a freed connection takes the next query at once.
import { getProfile, PLACEHOLDER_IMAGE, TimeoutError, type BatchOptions, type Profile, type ProfileOutcome, type ProfileServices, type UserRow } from '../../profile.ts';
export * from '../../profile.ts';

function lanes<T>(count: number, jobs: readonly (() => Promise<T>)[]): Promise<T>[] {
  const slots = jobs.map(() => {
    let resolve!: (v: T) => void, reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  });
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      try { slots[i]!.resolve(await jobs[i]!()); } catch (e) { slots[i]!.reject(e); }
    }
  };
  for (let k = 0; k < Math.min(count, jobs.length); k++) void lane();
  return slots.map((s) => s.promise);
}

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const images = userIds.map((id) => services.fetchImage(id));
  const users = lanes(maxQueries, userIds.map((id) => () => services.fetchUser(id)));
  return Promise.all(userIds.map(async (userId, i) => {
    const [user, image] = await Promise.all([users[i]!, images[i]!]);
    return { userId, user, image };
  }));
}

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const images = userIds.map((id) =>
    timed((s) => services.fetchImage(id, s), timeoutMs, signal).then(
      (bytes) => ({ bytes, problem: undefined as unknown }),
      (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
    ),
  );
  const users: Promise<UserRow>[] = lanes(maxQueries, userIds.map((id) => () => timed((s) => services.fetchUser(id, s), timeoutMs, signal)));
  const rows = users.map((p) => p.then((user) => ({ ok: true as const, user }), (reason: unknown) => ({ ok: false as const, reason })));
  const outcomes = await Promise.all(userIds.map(async (userId, i): Promise<ProfileOutcome> => {
    const [picture, row] = await Promise.all([images[i]!, rows[i]!]);
    try {
      if (!row.ok) throw row.reason;
      const user = row.user;
      const profile: Profile = { userId, user, image: picture.bytes };
      if (picture.problem !== undefined) profile.imageProblem = picture.problem;
      return { ok: true, profile };
    } catch (reason) {
      return { ok: false, userId, reason };
    }
  }));
  signal?.throwIfAborted();
  return outcomes;
}

async function timed<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, batch: AbortSignal | undefined): Promise<T> {
  batch?.throwIfAborted();
  const own = new AbortController();
  const timer = setTimeout(() => own.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, own.signal]) : own.signal);
  } finally {
    clearTimeout(timer);
  }
}
void getProfile;
