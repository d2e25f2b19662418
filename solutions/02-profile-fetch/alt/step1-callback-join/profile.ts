// Correct alternative: getProfile as a hand-made join of two callbacks (a count of answers, reject on
// the first failure) instead of Promise.all; the rest as the reference.
import pLimit from 'p-limit';

/** A row from the users table. */
export interface UserRow {
  id: number;
  name: string;
}

/**
 * What the server talks to. Both calls are IO: they wait (about 50 ms each) and honour `signal`,
 * rejecting with `signal.reason` as soon as it aborts.
 */
export interface ProfileServices {
  /** One query on the database. The database has a limited number of connections. */
  fetchUser(userId: number, signal?: AbortSignal): Promise<UserRow>;
  /** The user's picture, from the CDN. */
  fetchImage(userId: number, signal?: AbortSignal): Promise<Uint8Array>;
}

export interface Profile {
  userId: number;
  user: UserRow;
  image: Uint8Array;
  /** Step 3: set when the image could not be loaded and PLACEHOLDER_IMAGE stands in for it. */
  imageProblem?: unknown;
}

/** Step 3: one request of a batch: a profile, or why there is none. */
export type ProfileOutcome = { ok: true; profile: Profile } | { ok: false; userId: number; reason: unknown };

export interface BatchOptions {
  /** How many database queries may run at once (the database's connection pool). */
  maxQueries: number;
  /** Give up on a single call (one query, one image) after this long. */
  timeoutMs: number;
  /** Aborting it cancels the whole batch: calls in flight and calls still waiting for a connection. */
  signal?: AbortSignal;
}

/** Shown when a user's picture cannot be loaded. */
export const PLACEHOLDER_IMAGE: Uint8Array = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

/** The reason for a call that took longer than `timeoutMs`. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no answer after ${timeoutMs} ms`);
  }
}

// Step 1: both requests leave at once; a hand-made join resolves when both have answered and
// rejects the moment either fails (callbacks, no Promise.all).
export function getProfile(userId: number, services: ProfileServices): Promise<Profile> {
  return new Promise<Profile>((resolve, reject) => {
    let user: UserRow | undefined;
    let image: Uint8Array | undefined;
    let answered = 0;
    const done = () => {
      answered += 1;
      if (answered === 2) resolve({ userId, user: user as UserRow, image: image as Uint8Array });
    };
    services.fetchUser(userId).then((row) => {
      user = row;
      done();
    }, reject);
    services.fetchImage(userId).then((bytes) => {
      image = bytes;
      done();
    }, reject);
  });
}

// Step 2: only the database is scarce, so only its calls go through the limiter. Every profile
// starts at once; its query waits for a free connection; Promise.all keeps the input order.
export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  maxQueries: number,
): Promise<Profile[]> {
  const limit = pLimit(maxQueries);
  const pooled: ProfileServices = {
    ...services,
    fetchUser: (userId, signal) => limit(() => services.fetchUser(userId, signal)),
  };
  return await Promise.all(userIds.map((userId) => getProfile(userId, pooled)));
}

// Step 3: every request turns its own failures into an outcome, so Promise.all never rejects
// because of one of them; the batch signal reaches every call and every queued call.
export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  const { maxQueries, timeoutMs, signal } = options;
  signal?.throwIfAborted();
  const limit = pLimit(maxQueries);
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      // The picture is optional: its failure becomes a placeholder (this promise never rejects).
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
        // No profile without the row; still, the picture must not run on after the batch is done.
        await image;
        return { ok: false, userId, reason };
      }
    }),
  );
  // Cancelled: the outcomes above are only "aborted", the caller wants the abort itself.
  signal?.throwIfAborted();
  return outcomes;
}

/**
 * One call with its own deadline. The timer starts when the call does (not while the call waits
 * for a connection) and is cleared however the call ends.
 */
async function withTimeout<T>(
  call: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  batch: AbortSignal | undefined,
): Promise<T> {
  // A call that was still queued when the batch was cancelled never starts.
  batch?.throwIfAborted();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(timeoutMs)), timeoutMs);
  try {
    return await call(batch ? AbortSignal.any([batch, deadline.signal]) : deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
