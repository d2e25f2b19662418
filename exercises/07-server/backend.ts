// The services behind the server: you use them, you do not need to change them.
// A database and a CDN, simulated with real timers (a query really takes its 20 ms), so a real HTTP
// server can wait on them. Every call is recorded: the tests count the queries in flight, see which
// calls started and ended, and which ones were aborted.
import { InFlightCounter } from '../../checker/harness/checks/in-flight.ts';
import { SimulatedIo } from '../../checker/harness/time/io.ts';

/** A row from the users table. */
export interface UserRow {
  id: number;
  name: string;
}

/** The database: a limited number of connections (the server's pool decides how many queries run at once). */
export interface Database {
  /**
   * One query: the row of user `id`, or `undefined` when there is no such user. Waits its latency,
   * then answers; rejects with `signal.reason` as soon as `signal` aborts (the query is cancelled).
   */
  queryUser(id: number, signal?: AbortSignal): Promise<UserRow | undefined>;
}

/** The CDN that stores the profile pictures. */
export interface Cdn {
  /** The picture of user `id`; rejects when the CDN fails, and with `signal.reason` when `signal` aborts. */
  fetchPicture(id: number, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Shown when a user's picture cannot be loaded (as in exercise 02). */
export const PLACEHOLDER_PICTURE: Uint8Array = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

/** Users 1 to USER_COUNT exist; any other id has no row. */
export const USER_COUNT = 100_000;

const NAMES = ['Ada', 'Grace', 'Edsger', 'Barbara', 'Tony', 'Radia', 'Ken', 'Frances', 'Niklaus', 'Margaret'];

/** The row the database holds for `id` (undefined when there is none). */
export function userRow(id: number): UserRow | undefined {
  if (!Number.isInteger(id) || id < 1 || id > USER_COUNT) return undefined;
  return { id, name: `${NAMES[id % NAMES.length] ?? 'Ada'} #${id}` };
}

/** The picture the CDN holds for `id`: 16 bytes, different for every user. */
export function pictureOf(id: number): Uint8Array {
  const bytes = new Uint8Array(16);
  let x = (id * 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** How the simulated services behave; every field can be changed for one test (`reset`). */
export interface BackendBehaviour {
  /** How long one query for `id` takes, in ms. */
  queryMs(id: number): number;
  /** How long the picture of `id` takes, in ms. */
  pictureMs(id: number): number;
  /** An error the query for `id` fails with (after its latency), or undefined. */
  queryError(id: number): Error | undefined;
  /** An error the picture of `id` fails with (after its latency), or undefined. */
  pictureError(id: number): Error | undefined;
}

export const DEFAULT_BEHAVIOUR: BackendBehaviour = {
  queryMs: () => 20,
  pictureMs: () => 30,
  queryError: () => undefined,
  pictureError: () => undefined,
};

/**
 * The database and the CDN. Hand `backend.database` and `backend.cdn` to the server; they stay the
 * same objects for the server's whole life, while `reset()` starts a fresh record of calls.
 */
export class SimulatedBackend {
  /** Every call on one timeline: labels `query <id>` and `picture <id>`. */
  io = new SimulatedIo();
  /** Database queries running at once (and the peak). */
  queries = new InFlightCounter();
  /** CDN requests running at once (and the peak). */
  pictures = new InFlightCounter();
  private behaviour: BackendBehaviour;

  readonly database: Database = {
    queryUser: (id, signal) =>
      this.call(this.queries, `query ${id}`, signal, this.behaviour.queryMs(id), userRow(id), this.behaviour.queryError(id)),
  };

  readonly cdn: Cdn = {
    fetchPicture: (id, signal) =>
      this.call(this.pictures, `picture ${id}`, signal, this.behaviour.pictureMs(id), pictureOf(id), this.behaviour.pictureError(id)),
  };

  constructor(behaviour: Partial<BackendBehaviour> = {}) {
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
  }

  /** Forgets every call so far and behaves as told from now on (calls still running finish on the old record). */
  reset(behaviour: Partial<BackendBehaviour> = {}): void {
    this.io = new SimulatedIo();
    this.queries = new InFlightCounter();
    this.pictures = new InFlightCounter();
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
  }

  private call<T>(counter: InFlightCounter, label: string, signal: AbortSignal | undefined, latencyMs: number, value: T, error: Error | undefined): Promise<T> {
    // A call cancelled before it started never reaches the service (and is not counted as one).
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    counter.enter();
    // Boxed: SimulatedIo stands in a default for an undefined value (a missing row must stay undefined).
    const call = this.io.call<{ value: T }>(label, { latencyMs, value: { value }, ...(error ? { error } : {}), ...(signal ? { signal } : {}) });
    const exit = () => counter.exit();
    call.then(exit, exit);
    return call.then((box) => box.value);
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(reason === undefined ? 'This operation was aborted' : JSON.stringify(reason), 'AbortError');
}
