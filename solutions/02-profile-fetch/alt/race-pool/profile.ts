// A correct alternative: the "async pool" idiom instead of a limiter. Every picture leaves at once; the
// queries are started in input order from a loop that, once maxQueries are running, waits with
// Promise.race for any one of them to end before it starts the next. Results go to their own slots.
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
} from '../../profile.ts';
export * from '../../profile.ts';

/** Runs run(item) for every item, at most `size` at once, the next started the moment any one ends. Never rejects. */
async function pool<I, R>(items: readonly I[], size: number, run: (item: I, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  const running = new Set<Promise<void>>();
  for (const [index, item] of items.entries()) {
    if (running.size >= size) await Promise.race(running);
    const one: Promise<void> = run(item, index).then(
      (value) => void (results[index] = { status: 'fulfilled', value }),
      (reason: unknown) => void (results[index] = { status: 'rejected', reason }),
    ).finally(() => running.delete(one));
    running.add(one);
  }
  await Promise.all(running);
  return results;
}

export async function getProfiles(userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> {
  const images = Promise.all(userIds.map((userId) => services.fetchImage(userId)));
  const rows = pool(userIds, maxQueries, (userId) => services.fetchUser(userId));
  const [settled, pictures] = await Promise.all([rows, images]);
  return userIds.map((userId, i) => {
    const row = settled[i]!;
    if (row.status === 'rejected') throw row.reason;
    return { userId, user: row.value, image: pictures[i]! };
  });
}

export async function getProfilesSafely(userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const images = userIds.map((userId) =>
    withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
      (bytes) => ({ bytes, problem: undefined as unknown }),
      (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
    ),
  );
  const rows = await pool(userIds, maxQueries, (userId) => withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal));
  const pictures = await Promise.all(images);
  signal?.throwIfAborted();
  return userIds.map((userId, i): ProfileOutcome => {
    const row = rows[i]!;
    if (row.status === 'rejected') return { ok: false, userId, reason: row.reason };
    const { bytes, problem } = pictures[i]!;
    const profile: Profile = { userId, user: row.value, image: bytes };
    if (problem !== undefined) profile.imageProblem = problem;
    return { ok: true, profile };
  });
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
