// Correct alternative: no p-limit: a pool of connections whose permits are Disposables
// (`using`), given back however the query ends, straight to the oldest waiter.

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

// Step 1: both promises exist (so both requests are on their way) before we wait for either.
export async function getProfile(userId: number, services: ProfileServices): Promise<Profile> {
  const [user, image] = await Promise.all([services.fetchUser(userId), services.fetchImage(userId)]);
  return { userId, user, image };
}

/**
 * A connection pool whose permit is a Disposable: `using permit = await pool.acquire()` gives the
 * connection back when the block is left, however it is left. A freed permit goes straight to the
 * oldest waiter.
 */
class ConnectionPool {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<Disposable> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return {
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        if (next) next();
        else this.free += 1;
      },
    };
  }
  async run<T>(query: () => Promise<T>): Promise<T> {
    using _permit = await this.acquire();
    return await query();
  }
}

// Step 2: every profile starts at once; only its query goes through the pool.
export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  maxQueries: number,
): Promise<Profile[]> {
  const pool = new ConnectionPool(maxQueries);
  const pooled: ProfileServices = {
    ...services,
    fetchUser: (userId, signal) => pool.run(() => services.fetchUser(userId, signal)),
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
  const pool = new ConnectionPool(maxQueries);
  const outcomes = await Promise.all(
    userIds.map(async (userId): Promise<ProfileOutcome> => {
      // The picture is optional: its failure becomes a placeholder (this promise never rejects).
      const image = withTimeout((s) => services.fetchImage(userId, s), timeoutMs, signal).then(
        (bytes) => ({ bytes, problem: undefined }),
        (problem: unknown) => ({ bytes: PLACEHOLDER_IMAGE, problem }),
      );
      try {
        const user = await pool.run(() => withTimeout((s) => services.fetchUser(userId, s), timeoutMs, signal));
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
