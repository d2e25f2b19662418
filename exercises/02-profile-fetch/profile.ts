// Exercise 02: profile fetch. Read README.md in this folder first; `npm start` runs the tests on save.
// Replace each `throw` with your code. The types are the contract: keep the signatures.
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

// p-limit is installed: `import pLimit from 'p-limit'`, `const limit = pLimit(10)`, then
// `limit(() => someCall())` starts the call when fewer than 10 limited calls are running.

// Step 1: one profile, from the database row and the CDN image, in about one latency (50 ms).
export async function getProfile(userId: number, services: ProfileServices): Promise<Profile> {
  throw new Error('TODO step 1: start both requests, then wait for both');
}

// Step 2: many profiles at once, never more than `maxQueries` database queries in flight.
// Results in the order of `userIds`.
export async function getProfiles(
  userIds: readonly number[],
  services: ProfileServices,
  maxQueries: number,
): Promise<Profile[]> {
  throw new Error('TODO step 2: limit the database queries with p-limit');
}

// Step 3: like getProfiles, but a failing or slow call sinks only its own request (a missing image
// only its picture), every call has its own timeout, and `options.signal` cancels the whole batch:
// then reject with `signal.reason`. Leave no timer and no unhandled rejection behind.
export async function getProfilesSafely(
  userIds: readonly number[],
  services: ProfileServices,
  options: BatchOptions,
): Promise<ProfileOutcome[]> {
  throw new Error('TODO step 3: a timeout per call, an outcome per request, and a batch you can cancel');
}
