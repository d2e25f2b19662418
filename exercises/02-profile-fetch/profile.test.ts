// Exercise 02 tests. Each `describe` is one graded step. Fake timers make every latency exact:
// a thousand simulated requests run in a fraction of a real second.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SimulatedIo,
  adviceForOpen,
  advance,
  collectUnhandledRejections,
  describeError,
  expectJoined,
  expectOrder,
  expectOwnError,
  explore,
  fail,
  fc,
  ms,
  occupancy,
  peakOverlap,
  pendingTimers,
  runUntilIdle,
  settle,
  track,
  useFakeClock,
  watchHandles,
  type Interval,
  type Occupancy,
  type OccupancyOptions,
  type OpenHandle,
  type Tracked,
} from '../../checker/harness/index.ts';
import {
  PLACEHOLDER_IMAGE,
  TimeoutError,
  getProfile,
  getProfiles as getProfilesUnderTest,
  getProfilesSafely as getProfilesSafelyUnderTest,
  type BatchOptions,
  type Profile,
  type ProfileOutcome,
  type ProfileServices,
  type UserRow,
} from './profile.ts';

const LATENCY = 50;

/** Every pool size a test asked for, in order: a limit that equals an earlier call's size points at a limiter kept across calls. */
const sizesAsked: number[] = [];
const getProfiles = (userIds: readonly number[], services: ProfileServices, maxQueries: number): Promise<Profile[]> => {
  sizesAsked.push(maxQueries);
  return getProfilesUnderTest(userIds, services, maxQueries);
};
const getProfilesSafely = (userIds: readonly number[], services: ProfileServices, options: BatchOptions): Promise<ProfileOutcome[]> => {
  sizesAsked.push(options.maxQueries);
  return getProfilesSafelyUnderTest(userIds, services, options);
};

// setImmediate takes no fake time: whatever the code queues with it runs before the clock moves on.
const fake = () => useFakeClock({ drainImmediates: true });
afterEach(() => {
  vi.useRealTimers();
});

/** Lets every promise that can settle, settle, without moving the (fake) clock (setImmediate callbacks included). */
const flush = settle;

const userRow = (userId: number): UserRow => ({ id: userId, name: `user ${userId}` });
const imageOf = (userId: number) => new Uint8Array([userId & 0xff, userId >> 8, 0x42]);

interface Special {
  latencyMs?: number;
  error?: Error;
}

/** The database and the CDN, each a SimulatedIo (timeline, in-flight counter, AbortSignal support). */
function world(options: { users?: Record<number, Special>; images?: Record<number, Special>; shared?: boolean } = {}) {
  const db = new SimulatedIo(LATENCY);
  const cdn = options.shared ? db : new SimulatedIo(LATENCY);
  const services: ProfileServices = {
    fetchUser: (userId, signal) => db.call(`user ${userId}`, { value: userRow(userId), signal, ...options.users?.[userId] }),
    fetchImage: (userId, signal) => cdn.call(`image ${userId}`, { value: imageOf(userId), signal, ...options.images?.[userId] }),
  };
  return { db, cdn, services };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Advances fake time in small steps until `result` settles (or `limitMs` passes): the exact settle time. */
async function advanceUntilSettled(result: Tracked<unknown>, limitMs: number, stepMs = 5): Promise<void> {
  for (let waited = 0; !result.settled && waited < limitMs; waited += stepMs) await advance(stepMs);
}

/** A stub that still says `TODO` is reported as itself, not as a wrong answer. */
function stopAtTodo(result: Tracked<unknown>): void {
  const reason: unknown = result.reason;
  if (result.status === 'rejected' && reason instanceof Error && reason.message.startsWith('TODO')) throw reason;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The pool invariant, the same in every step that limits queries: a connection is held only while its
 * query runs. Whenever a query is still to start (later, or never), all `maxQueries` connections run
 * one: the moment a query answers, fails or times out, the next takes its connection. Judged on the
 * database's timeline. When it does not hold, two ways of holding a connection too long are tried
 * against the same timeline (until the picture arrived; for good, once the query failed), so the
 * message can say which one this code did.
 */
function expectPoolUse(db: SimulatedIo, maxQueries: number, options: { cdn?: SimulatedIo } & OccupancyOptions = {}): void {
  const { cdn, ...judging } = options;
  const queries = queriesOf(db);
  const { idleMs, firstGap, stuck } = occupancy(queries, maxQueries, judging);
  if (!firstGap) return;
  const lateImages = cdn?.timeline.intervals.filter((i) => i.start > 0).length ?? 0;
  const gap = Number.isFinite(firstGap.untilMs)
    ? `from ${ms(firstGap.atMs)} to ${ms(firstGap.untilMs)} only ${firstGap.running} of ${maxQueries} connections ran a query, and ${firstGap.waiting} quer${firstGap.waiting === 1 ? 'y was' : 'ies were'} still to start`
    : `from ${ms(firstGap.atMs)} on ${firstGap.running === 0 ? 'no connection ran a query' : `only ${firstGap.running} of ${maxQueries} connections ran a query`}, and ${firstGap.waiting} quer${firstGap.waiting === 1 ? 'y' : 'ies'} never started`;
  const total = [
    ...(idleMs > 0 ? [`${Math.round(idleMs)} connection-ms went unused while queries waited`] : []),
    ...(stuck && Number.isFinite(firstGap.untilMs) ? [`from ${ms(stuck.sinceMs)} on ${stuck.running === 0 ? 'no connection ran a query' : `only ${stuck.running} ran one`}, and ${stuck.neverStarted} quer${stuck.neverStarted === 1 ? 'y' : 'ies'} never started`] : []),
  ];
  fail(
    `Connections sat idle while queries were waiting for one: ${gap}.`,
    ...(total.length > 0 ? [`In all, ${total.join('; ')}.`] : []),
    poolReport(db, maxQueries),
    ...(lateImages > 0 ? [`The pictures waited too: ${lateImages} image request(s) did not start at 0 ms.`] : []),
    '-> A connection is held only while its query runs: the moment a query answers, fails or times out, the next query takes its connection.',
    ...whyConnectionsSatIdle(queries, maxQueries, firstGap, options),
  );
}

/** Every query that reached the database: a call refused at once (its signal had aborted) took its connection for no time at all. */
function queriesOf(db: SimulatedIo): Interval[] {
  const refused = db.attempts.filter((a) => a.refused).map((a): Interval => ({ label: a.label, start: a.atMs, end: a.atMs, outcome: 'aborted' }));
  return [...db.timeline.intervals, ...refused];
}

function whyConnectionsSatIdle(
  queries: readonly Interval[],
  maxQueries: number,
  gap: NonNullable<Occupancy['firstGap']>,
  options: { cdn?: SimulatedIo } & OccupancyOptions,
): string[] {
  const { cdn, ...judging } = options;
  const pictureOf = (query: Interval) => cdn?.timeline.intervals.find((i) => i.label === query.label.replace(/^user /, 'image '));
  // Held until the picture arrived too: each query's connection counted busy until max(query end, picture end).
  const untilPicture = queries.map((q) => {
    const picture = pictureOf(q);
    const end = q.end === undefined || (picture && picture.end === undefined) ? undefined : Math.max(q.end, picture?.end ?? q.end);
    return { ...q, end };
  });
  // A way of holding explains the idle connections if, counted that way, the pool was full and never over it.
  const explains = (held: readonly Interval[]) => peakOverlap(held) <= maxQueries && !occupancy(held, maxQueries, judging).firstGap;
  const outlasted = queries.filter((q, k) => q.end !== undefined && untilPicture[k]?.end !== q.end);
  if (cdn && outlasted.length > 0 && explains(untilPicture)) {
    const held = outlasted.find((q) => (q.end ?? 0) <= gap.atMs && (pictureOf(q)?.end ?? Number.POSITIVE_INFINITY) >= gap.untilMs) ?? outlasted[0]!;
    const picture = pictureOf(held);
    return [
      '-> Counted as busy until its picture had arrived too, every connection was in use the whole time: your code keeps a query\'s connection while it waits',
      `   for the picture, after the query has ended ("${held.label}" ${held.outcome === 'ok' ? 'answered' : held.outcome} at ${ms(held.end ?? 0)}; its connection came free only when "${picture?.label ?? '?'}" ended at ${ms(picture?.end ?? 0)}).`,
      '   Only the query goes inside the limited function: `const user = await limit(() => query())`, then await the picture outside it.',
    ];
  }
  // Never given back once its query failed or was aborted: those connections counted busy for good.
  const lost = queries.filter((q) => q.outcome === 'failed' || q.outcome === 'aborted');
  const keptForGood = queries.map((q) => (lost.includes(q) ? { label: q.label, start: q.start } : q));
  if (lost.length > 0 && explains(keptForGood)) {
    const first = [...lost].sort((a, b) => (a.end ?? 0) - (b.end ?? 0))[0]!;
    const neverStarted = (judging.calls ?? queries.length) - queries.length;
    return [
      '-> Counted as taken for good once its query failed or was aborted, every connection was in use the whole time: a connection whose query fails',
      `   or times out never comes back to the pool (the first: "${first.label}", ${first.outcome} at ${ms(first.end ?? 0)}); ${lost.length} of ${maxQueries} ${lost.length === 1 ? 'was' : 'were'} lost this way.`,
      ...(neverStarted > 0 ? [`   With those gone, ${neverStarted} quer${neverStarted === 1 ? 'y' : 'ies'} waited for a connection that never came, and the batch could not finish.`] : []),
      '   Give the connection back however the query ends: release in a `finally` (p-limit does that for you), exactly once.',
    ];
  }
  // Fixed lanes: in input order, each query started the moment the query maxQueries places before it ended (its lane's previous one).
  const byInput = [...queries].sort((a, b) => Number(a.label.split(' ')[1]) - Number(b.label.split(' ')[1]));
  const laneOf = (k: number) => (k >= maxQueries ? byInput[k - maxQueries] : undefined);
  const inLanes = byInput.length > maxQueries && byInput.every((q, k) => {
    const before = laneOf(k);
    return before ? before.end !== undefined && Math.abs(q.start - before.end) < 0.5 : q.start === 0;
  });
  if (inLanes) {
    const k = byInput.findIndex((q, i) => i >= maxQueries && q.start > gap.atMs);
    const waiter = byInput[k];
    const before = laneOf(k);
    return [
      `-> each connection worked through a fixed share of the users, one query after the other: "${waiter?.label ?? '?'}" waited for "${before?.label ?? '?'}",`,
      `   ${maxQueries} places before it in the list, until ${ms(before?.end ?? 0)}, although a connection had been free since ${ms(gap.atMs)}. A lane whose queries are slow`,
      '   falls behind while the lanes done with their share leave their connections idle. One limiter for the whole batch, on the database',
      '   calls only, gives the next query to whichever connection frees first: `const limit = pLimit(maxQueries)`, then',
      '   `limit(() => services.fetchUser(id))` for every user.',
    ];
  }
  // Held in input order: at the gap, a query earlier in the list still ran while later ones had finished, and the next
  // query started only when it ended; not batches, since other queries did start while earlier ones still ran.
  const indexOf = (q: Interval) => Number(q.label.split(' ')[1]);
  const startedBeside = queries.some((q) => q.start > 0 && queries.some((o) => o.start < q.start && (o.end === undefined || o.end > q.start)));
  const oldest = queries.filter((q) => q.start <= gap.atMs && (q.end === undefined || q.end > gap.atMs)).sort((a, b) => indexOf(a) - indexOf(b))[0];
  const overtook = oldest ? queries.filter((q) => indexOf(q) > indexOf(oldest) && q.end !== undefined && q.end <= gap.atMs) : [];
  if (startedBeside && oldest && overtook.length > 0 && oldest.end !== undefined && Math.abs(oldest.end - gap.untilMs) < 0.5) {
    return [
      `-> behind "${oldest.label}" (it ran until ${ms(oldest.end)}), ${overtook.length} later quer${overtook.length === 1 ? 'y had' : 'ies had'} already finished, and no new query started until it ended:`,
      '   your limiter gives results back in input order and starts nothing new while it holds finished results behind a slow query',
      '   (node:stream\'s `Readable.map(fn, { concurrency })` does that, and so does Rust\'s `buffered(n)`). A pool starts the next query',
      '   whenever any connection frees, and the order comes from `Promise.all` at the end: `const limit = pLimit(maxQueries)`, then',
      '   `limit(() => services.fetchUser(id))` for every user.',
    ];
  }
  return [
    '-> that is what batches do: one Promise.all per group of maxQueries waits for the slowest query of its group',
    '   before the next group starts (with equal latencies it looks just like a pool). So does a limiter that makes the',
    '   pictures wait too. One limiter for the whole batch, on the database calls only, starts the next query the moment',
    '   any connection frees: `const limit = pLimit(maxQueries)`, then `limit(() => services.fetchUser(id))` for every user.',
  ];
}

/**
 * Each batch owns its pool: two batches at once on one database, each given `maxQueries` connections, each keeps
 * its own connections busy while its own queries wait, whatever the other batch does (the pool invariant, judged
 * per batch on the shared timeline). When one pool of that size for both batches together explains the timeline
 * (never over it, never a connection idle while either batch waited), the message says so: the batches shared it.
 */
function expectOwnPools(db: SimulatedIo, batches: readonly { name: string; ids: readonly number[]; maxQueries: number; untilMs?: number }[], setting: string): void {
  const queries = queriesOf(db);
  const idOf = (q: Interval) => Number(q.label.split(' ')[1]);
  for (const batch of batches) {
    const own = queries.filter((q) => batch.ids.includes(idOf(q)));
    const peak = peakOverlap(own.filter((q) => q.end === undefined || q.end > q.start));
    if (peak > batch.maxQueries) {
      fail(setting, `${batch.name} had ${peak} of its queries in flight at once, given ${batch.maxQueries} connections.`, poolReport(db, batches.reduce((n, b) => n + b.maxQueries, 0)));
    }
    // Both batches were handed over at 0 ms: a batch that starts late because the other took its connections waited from then.
    const judging = { calls: batch.ids.length, fromMs: 0, ...(batch.untilMs === undefined ? {} : { untilMs: batch.untilMs }) };
    const { firstGap } = occupancy(own, batch.maxQueries, judging);
    if (!firstGap) continue;
    const others = batches.filter((b) => b !== batch);
    const othersRunning = queries.filter((q) => !batch.ids.includes(idOf(q)) && q.start <= firstGap.atMs && (q.end === undefined || q.end > firstGap.atMs));
    const all = queries.filter((q) => batches.some((b) => b.ids.includes(idOf(q))));
    // A batch cancelled midway needed only the queries it had made by then: the others were rightly never made.
    const needed = batches.reduce((n, b) => n + (b.untilMs === undefined ? b.ids.length : queries.filter((q) => b.ids.includes(idOf(q))).length), 0);
    const onePool = peakOverlap(all.filter((q) => q.end === undefined || q.end > q.start)) <= batch.maxQueries && !occupancy(all, batch.maxQueries, { calls: needed }).firstGap;
    const until = Number.isFinite(firstGap.untilMs) ? `to ${ms(firstGap.untilMs)}` : 'on';
    fail(
      setting,
      `From ${ms(firstGap.atMs)} ${until} ${batch.name} ran only ${firstGap.running} of its ${batch.maxQueries} queries at once while ${firstGap.waiting} of its queries waited` +
        (othersRunning.length > 0 ? `, and ${othersRunning.length} quer${othersRunning.length === 1 ? 'y' : 'ies'} of ${others.map((b) => b.name).join(' and ')} ran meanwhile (${othersRunning.slice(0, 3).map((q) => `"${q.label}"`).join(', ')}).` : '.'),
      poolReport(db, batches.reduce((n, b) => n + b.maxQueries, 0)),
      ...(onePool
        ? [
            `-> counted as one pool of ${batch.maxQueries} for both batches, every connection was busy the whole time: the batches shared one limiter. A limiter kept`,
            '   outside the call (made once at module level, or cached per pool size) hands one batch\'s connections to the other. Make the limiter',
            '   inside the function, one per call: `const limit = pLimit(maxQueries)`, shared by that batch\'s requests only.',
          ]
        : ['-> A connection is held only while its query runs: the moment a query of a batch ends, that batch\'s next query takes its connection.', ...whyConnectionsSatIdle(own, batch.maxQueries, firstGap, judging)]),
    );
  }
}

/**
 * Pictures that left only the moment their own row had arrived: getProfile (step 1) awaits the row before it
 * asks for the picture, whatever the limiter does. Undefined when some late picture did not wait for its row.
 */
function picturesAfterOwnRow(db: SimulatedIo, cdn: SimulatedIo): { picture: Interval; row: Interval } | undefined {
  const late = cdn.timeline.intervals.filter((i) => i.start > 0);
  const pairs = late.map((picture) => ({ picture, row: db.timeline.intervals.find((q) => q.label === picture.label.replace(/^image /, 'user ')) }));
  if (late.length === 0 || !pairs.every((p) => p.row?.end !== undefined && Math.abs(p.picture.start - p.row.end) < 0.5)) return undefined;
  return pairs[0] as { picture: Interval; row: Interval };
}
function sequentialProfileAdvice(pair: { picture: Interval; row: Interval }): string[] {
  return [
    `-> each picture left only when its own row had arrived ("${pair.picture.label}" at ${ms(pair.picture.start)}, the moment "${pair.row.label}" answered): that is getProfile`,
    '   (step 1) awaiting the row before it asks for the picture, not the limiter. Start both requests first, then await them together:',
    '   `await Promise.all([services.fetchUser(id), services.fetchImage(id)])`.',
  ];
}

/** Only the database is scarce: every picture request leaves at 0 ms, whatever the queries do. */
function expectPicturesAtOnce(cdn: SimulatedIo, db?: SimulatedIo): void {
  const late = cdn.timeline.intervals.filter((i) => i.start > 0);
  if (late.length === 0) return;
  const afterRow = db ? picturesAfterOwnRow(db, cdn) : undefined;
  if (afterRow) {
    fail(`${late.length} picture request(s) started late ("${late[0]?.label}" at ${ms(late[0]?.start ?? 0)}): every picture should leave at 0 ms.`, cdn.draw(), ...sequentialProfileAdvice(afterRow));
  }
  fail(
    `${late.length} picture request(s) started late ("${late[0]?.label}" at ${ms(late[0]?.start ?? 0)}): only the database is scarce, the CDN needs no connection.`,
    cdn.draw(),
    'Send only fetchUser through the limiter; start every picture at once.',
  );
}

/** 40 users whose queries (10 to 90 ms) and pictures (5 to 124 ms) all take different times: batches and held connections show. */
const differingLatencies = (users: number) => ({
  users: Object.fromEntries(range(users).map((id) => [id, { latencyMs: 10 + ((id * 37) % 81) }])),
  images: Object.fromEntries(range(users).map((id) => [id, { latencyMs: 5 + ((id * 53) % 120) }])),
});

describe('step 1: one profile, two requests at once', () => {
  it('the profile is ready after one latency (50 ms), not two', async () => {
    fake();
    const { db, services } = world({ shared: true });
    const result = track(getProfile(7, services));
    await advance(LATENCY);
    await expectJoined(db, result, { expectedMs: LATENCY, labels: ['user 7', 'image 7'], what: 'getProfile' });
  });

  it('both requests are on their way before either is awaited', async () => {
    fake();
    const { db, services } = world({ shared: true });
    const result = track(getProfile(7, services));
    await flush();
    stopAtTodo(result);
    const startedAtZero = [...db.started];
    if (startedAtZero.length === 2) return;
    await advance(3 * LATENCY);
    if (startedAtZero.length === 0) {
      fail(
        'At 0 ms getProfile had not sent any request yet.',
        db.draw(),
        'Call both services right away: creating the promise is what sends the request.',
      );
    }
    fail(
      `At 0 ms only "${startedAtZero.join('", "')}" had been requested; the other request was sent only once the first had answered (${result.status} at ${ms(result.settledAtMs ?? 0)}).`,
      db.draw(),
      'A JavaScript promise starts its work the moment it is created, and `await` only waits: create both promises',
      '(call fetchUser and fetchImage), then await them together with Promise.all. (Rust futures are lazy,',
      'which is why the article needs task::spawn; a JavaScript call is already "spawned".)',
    );
  });

  it('is not ready before the latency is over, and holds both answers', async () => {
    fake();
    const { services } = world({ shared: true });
    const result = track(getProfile(7, services));
    await advance(LATENCY - 1);
    stopAtTodo(result);
    if (result.settled) fail(`getProfile settled after ${LATENCY - 1} ms (${result.status}), before the ${LATENCY} ms requests could answer.`);
    await advance(1);
    if (result.status !== 'fulfilled') fail(`getProfile did not resolve at ${LATENCY} ms (status: ${result.status}, ${describeError(result.reason)}).`);
    const profile = result.value;
    expect(profile, 'getProfile must resolve with { userId, user, image }').toEqual({ userId: 7, user: userRow(7), image: imageOf(7) });
  });

  it('when either request fails while the other is still on its way, it rejects with that error and no rejection goes unhandled', async () => {
    // Every order: the row fails before or after the picture answers, the picture fails before or after the row, both fail.
    // An unhandled-rejection monitor runs inside each case, so a promise nobody listens to is caught the moment Node reports it.
    const sides: Side[] = [
      { latencyMs: 50, fails: false },
      { latencyMs: 20, fails: true },
      { latencyMs: 80, fails: true },
    ];
    for (const row of sides) {
      for (const picture of sides) {
        if (!row.fails && !picture.fails) continue;
        const { setting, done, db } = await runPair(row, picture);
        const expected = row.fails && picture.fails ? [ROW_ERROR, PICTURE_ERROR] : [row.fails ? ROW_ERROR : PICTURE_ERROR];
        if (done.status !== 'rejected' || !expected.includes(done.reason as Error)) {
          fail(
            `${setting}: getProfile ${done.status === 'rejected' ? `rejected with ${describeError(done.reason)}` : done.status === 'fulfilled' ? 'resolved' : 'was still pending at 150 ms'}; it must reject with ${expected.map(describeError).join(' or ')}, the failing request's own error.`,
            db.draw(),
          );
        }
      }
    }
  });

  it('fails fast: the first failure rejects at its own moment, without waiting for the other request', async () => {
    // Every order again, now judged on the clock: the profile is lost the moment either request fails, so
    // getProfile rejects then (the other request may still be on its way, or may never answer at all).
    const sides: Side[] = [
      { latencyMs: 50, fails: false },
      { latencyMs: 20, fails: true },
      { latencyMs: 80, fails: true },
      { latencyMs: 1000, fails: false }, // hangs past the test's 150 ms
    ];
    for (const row of sides) {
      for (const picture of sides) {
        if (!row.fails && !picture.fails) continue;
        const { setting, done, db } = await runPair(row, picture);
        stopAtTodo(done);
        const failures = [row, picture].filter((side) => side.fails).map((side) => side.latencyMs);
        const firstFailure = Math.min(...failures);
        if (done.status === 'rejected' && done.settledAtMs === firstFailure) continue;
        const other = row.fails && row.latencyMs === firstFailure ? picture : row;
        const otherName = other === picture ? 'the picture' : 'the row';
        const when = done.status === 'pending' ? 'was still pending at 150 ms' : `${done.status} only at ${ms(done.settledAtMs ?? 0)}`;
        fail(
          `${setting}: getProfile ${when}, although the profile was lost at ${ms(firstFailure)}, when the first request failed.`,
          db.draw(),
          ...(done.settled && (done.settledAtMs ?? 0) >= other.latencyMs
            ? [`It waited for ${otherName} (${other.fails ? 'it failed' : 'it answered'} at ${ms(other.latencyMs)}) before it reported the failure: waiting for both to settle (Promise.allSettled and then throwing, say) is not failing fast;`]
            : [`It did not reject at the first failure: that is not failing fast;`]),
          '   a request that hangs would keep the caller waiting for ever. Fail fast: `await Promise.all([user, image])` rejects the moment',
          '   either promise rejects, and still listens to the other (its later failure is handled, not lost).',
        );
      }
    }
  });

  it('rejects with the database error when the user row cannot be read', async () => {
    const { done } = await runPair({ latencyMs: 20, fails: true }, { latencyMs: LATENCY, fails: false });
    if (done.status !== 'rejected') fail(`getProfile ${done.status === 'fulfilled' ? 'resolved' : 'was still pending'} although the database query failed: the error must reach the caller.`);
    expectOwnError({ got: done.reason, expected: ROW_ERROR, happened: `The database query failed at 20 ms with ${describeError(ROW_ERROR)}`, gave: 'getProfile rejected with' });
  });
});

const ROW_ERROR = new Error('connection reset');
const PICTURE_ERROR = new Error('picture 7 missing');
type Side = { latencyMs: number; fails: boolean };

/**
 * getProfile(7) with a row and a picture that answer or fail when told, on the fake clock, with an
 * unhandled-rejection monitor around it: a promise that rejected with nobody listening fails here,
 * naming which request it was and what getProfile was doing meanwhile.
 */
async function runPair(row: Side, picture: Side) {
  fake();
  const { db, services } = world({
    shared: true,
    users: { 7: { latencyMs: row.latencyMs, ...(row.fails ? { error: ROW_ERROR } : {}) } },
    images: { 7: { latencyMs: picture.latencyMs, ...(picture.fails ? { error: PICTURE_ERROR } : {}) } },
  });
  let result: Tracked<Profile> | undefined;
  const unhandled = await collectUnhandledRejections(async () => {
    result = track(getProfile(7, services));
    await advance(3 * LATENCY);
  });
  vi.useRealTimers();
  const done = result!;
  stopAtTodo(done);
  const say = (side: Side) => `${side.fails ? 'fails' : 'answers'} at ${ms(side.latencyMs)}`;
  const setting = `The row ${say(row)}, the picture ${say(picture)}`;
  if (unhandled.length > 0) {
    const lost = unhandled[0];
    const lostIsPicture = lost === PICTURE_ERROR;
    const failed = lostIsPicture ? picture : row;
    const other = lostIsPicture ? row : picture;
    const settledBefore = done.settled && (done.settledAtMs ?? 0) < failed.latencyMs;
    fail(
      `${setting}: at ${ms(failed.latencyMs)} the ${lostIsPicture ? 'picture request ("image 7")' : 'database query ("user 7")'} failed (${describeError(lost)}) and nobody was listening to its promise:`,
      settledBefore
        ? `getProfile had already ${done.status} at ${ms(done.settledAtMs ?? 0)} and left that promise with no listener, so Node reported an unhandled rejection (by default that ends a Node.js process).`
        : `getProfile was still awaiting the ${lostIsPicture ? 'row' : 'picture'} alone${other.latencyMs > failed.latencyMs ? ` (it ${say(other)})` : ''}, so Node reported an unhandled rejection (by default that ends a Node.js process).`,
      db.draw(),
      ...(settledBefore
        ? ['-> Every promise you create needs a listener until it settles: wait for both together, `await Promise.all([user, image])`.']
        : [
            '-> You started both, awaited one at a time: the other\'s failure is unhandled meanwhile. Starting both was right;',
            '   now wait for them together, so both promises have a listener from the start: `await Promise.all([user, image])`.',
          ]),
    );
  }
  return { setting, done, db };
}

describe('step 2: a thousand requests, ten connections', () => {
  const POOL = 10;
  const USERS = 1000;

  async function expectPoolFull(db: SimulatedIo, maxQueries: number, users: number): Promise<void> {
    await expectLimitFromPoolSize('getProfiles', db, maxQueries, users);
    const peak = db.inFlight.peak;
    if (peak > maxQueries) {
      fail(
        `getProfiles had ${peak} database queries in flight at once, on a database with ${maxQueries} connections: nothing limited them.`,
        poolReport(db, maxQueries),
        'Promise.all over every user starts every query at the same moment. Send each fetchUser through ONE limiter',
        'shared by the whole batch: `const limit = pLimit(maxQueries)`, then `limit(() => services.fetchUser(id))`.',
        '(A new pLimit per request limits nothing: each one sees a single call.)',
      );
    }
    if (peak < maxQueries) {
      const seconds = (Math.ceil(users / peak) * LATENCY) / 1000;
      fail(
        `getProfiles never had more than ${peak} database quer${peak === 1 ? 'y' : 'ies'} in flight, but the pool has ${maxQueries} connections: ${maxQueries - peak} sat idle the whole time.`,
        `${users} queries ${peak} at a time take ${seconds} s; ${maxQueries} at a time, ${(Math.ceil(users / maxQueries) * LATENCY) / 1000} s.`,
        poolReport(db, maxQueries),
        'Give the limiter the pool size (`pLimit(maxQueries)`), and start every request before awaiting any.',
      );
    }
    expectPoolUse(db, maxQueries);
  }

  it(`${USERS} users: never more than ${POOL} queries at once, all ${POOL} used, ready at exactly ${ms((USERS / POOL) * LATENCY)}`, async () => {
    fake();
    const { db, cdn, services } = world();
    const expected = (USERS / POOL) * LATENCY;
    const result = track(getProfiles(range(USERS), services, POOL));
    // Timer by timer to the end (fast on the fake clock); the settle time is exact.
    await runUntilIdle(60_000);
    stopAtTodo(result);
    if (result.status === 'rejected') fail(`getProfiles rejected: ${describeError(result.reason)}`);
    await expectPoolFull(db, POOL, USERS);
    if (result.settled && (result.settledAtMs ?? 0) < expected) {
      fail(
        `getProfiles resolved at ${ms(result.settledAtMs ?? 0)}: ${USERS} queries through ${POOL} connections need ${USERS / POOL} rounds of ${LATENCY} ms = ${ms(expected)}.`,
        poolReport(db, POOL),
        'Finishing sooner means more queries ran at once than the pool allows.',
      );
    }
    if (result.status !== 'fulfilled' || result.settledAtMs !== expected) {
      fail(
        `At ${ms(expected)} getProfiles was still pending${result.settled ? ` (it resolved only at ${ms(result.settledAtMs ?? 0)})` : ''}: ${USERS} queries through ${POOL} connections need exactly ${USERS / POOL} rounds of ${LATENCY} ms.`,
        poolReport(db, POOL),
        ...(() => {
          const afterRow = picturesAfterOwnRow(db, cdn);
          return afterRow ? sequentialProfileAdvice(afterRow) : ['Are the image requests waiting for a connection too? Only the database is limited.'];
        })(),
      );
    }
    expect(result.value, `getProfiles must resolve with ${USERS} profiles`).toHaveLength(USERS);
  });

  it('keeps the input order, whatever order the answers come in', async () => {
    fake();
    // Different latencies per user, so the answers arrive out of order.
    const userIds = [42, 7, 19, 3, 88, 61, 5, 30, 11, 77, 2, 50, 13, 99, 24, 8, 36, 71, 17, 64];
    const users = Object.fromEntries(userIds.map((id, i) => [id, { latencyMs: 20 + ((i * 37) % 60) }]));
    const { services } = world({ users });
    const result = track(getProfiles(userIds, services, 4));
    await advance(2000);
    if (result.status !== 'fulfilled') fail(`getProfiles did not resolve (status: ${result.status}${result.status === 'rejected' ? `, ${describeError(result.reason)}` : ''}).`);
    const profiles = result.value ?? [];
    expectOrder(profiles.map((p) => p.userId), userIds, 'getProfiles results (by userId)');
    profiles.forEach((profile, i) => {
      const id = userIds[i] ?? -1;
      expect(profile, `profile ${i} (user ${id})`).toEqual({ userId: id, user: userRow(id), image: imageOf(id) });
    });
  });

  it('uses the pool size it is given (4 connections, 40 users: 10 rounds)', async () => {
    fake();
    const { db, cdn, services } = world();
    const result = track(getProfiles(range(40), services, 4));
    await advance(10 * LATENCY);
    stopAtTodo(result);
    await expectPoolFull(db, 4, 40);
    if (result.status !== 'fulfilled') {
      const afterRow = picturesAfterOwnRow(db, cdn);
      fail(`At ${ms(10 * LATENCY)} getProfiles was still ${result.status}.`, poolReport(db, 4), ...(afterRow ? sequentialProfileAdvice(afterRow) : []));
    }
  });

  it('handles an empty list', async () => {
    await expect(getProfiles([], world().services, POOL)).resolves.toEqual([]);
  });

  it('latencies that differ: a freed connection takes the next query at once, none sits idle', async () => {
    fake();
    // 40 users, 4 connections, queries of 10 to 90 ms, pictures of 5 to 124: a pool keeps all 4 busy until the queue is empty.
    const { db, cdn, services } = world(differingLatencies(40));
    const result = track(getProfiles(range(40), services, 4));
    await runUntilIdle(10_000);
    stopAtTodo(result);
    if (result.status !== 'fulfilled') fail(`getProfiles ${result.status === 'rejected' ? `rejected with ${describeError(result.reason)}` : 'never settled'}.`, poolReport(db, 4));
    await expectLimitFromPoolSize('getProfiles', db, 4, 40);
    if (db.inFlight.peak > 4) fail(`getProfiles had ${db.inFlight.peak} database queries in flight at once, on a database with 4 connections: nothing limited them.`, poolReport(db, 4));
    expectPoolUse(db, 4, { cdn, calls: 40 });
    expectPicturesAtOnce(cdn, db);
  });

  it('holds for any latencies, user counts and pool sizes: never over the limit, never a connection idle while queries wait', async () => {
    const cases = fc.record({
      latencies: fc.array(fc.record({ db: fc.integer({ min: 1, max: 100 }), cdn: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 30 }),
      maxQueries: fc.integer({ min: 1, max: 6 }),
    });
    await explore({
      seed: 202,
      cases,
      describe: (c) => `${c.latencies.length} user(s), ${c.maxQueries} connection(s); query latencies ${c.latencies.map((l) => l.db).join(', ')} ms`,
      cleanup: () => vi.useRealTimers(),
      check: async ({ latencies, maxQueries }) => {
        fake();
        const ids = latencies.map((_, i) => 100 + i);
        const at = (spec: 'db' | 'cdn') => Object.fromEntries(ids.map((id, i) => [id, { latencyMs: latencies[i]![spec] }]));
        const { db, cdn, services } = world({ users: at('db'), images: at('cdn') });
        const result = track(getProfiles(ids, services, maxQueries));
        await runUntilIdle(100_000);
        stopAtTodo(result);
        if (result.status !== 'fulfilled') fail(`getProfiles ${result.status === 'rejected' ? `rejected with ${describeError(result.reason)}` : 'never settled'}.`, poolReport(db, maxQueries));
        await expectLimitFromPoolSize('getProfiles', db, maxQueries, ids.length);
        if (db.inFlight.peak > maxQueries) {
          fail(`getProfiles had ${db.inFlight.peak} database queries in flight at once, on a database with ${maxQueries} connections: nothing limited them.`, poolReport(db, maxQueries));
        }
        const queried = db.started.length;
        if (queried !== ids.length) fail(`getProfiles made ${queried} database queries for ${ids.length} users: one each.`, poolReport(db, maxQueries));
        expectPoolUse(db, maxQueries, { cdn, calls: ids.length });
        expectPicturesAtOnce(cdn, db);
        expectOrder((result.value ?? []).map((p) => p.userId), ids, 'getProfiles results (by userId)');
      },
    });
  });
  it('two batches at once, each given 2 connections: each batch keeps its own 2 busy, whatever the other does', async () => {
    // Two callers, one database: each call of getProfiles owns the pool it is given. A limiter shared between calls shows here.
    fake();
    const { db, services } = world();
    const aIds = range(10);
    const bIds = range(10).map((i) => 100 + i);
    const a = track(getProfiles(aIds, services, 2));
    const b = track(getProfiles(bIds, services, 2));
    await runUntilIdle(10_000);
    stopAtTodo(a);
    stopAtTodo(b);
    const setting = 'Two batches ran at once on one database: A (users 0-9) and B (users 100-109), each given 2 connections.';
    for (const [name, r] of [['A', a], ['B', b]] as const) {
      if (r.status !== 'fulfilled') fail(setting, `getProfiles for batch ${name} ${r.status === 'rejected' ? `rejected with ${describeError(r.reason)}` : 'never settled'}.`, poolReport(db, 4));
    }
    expectOwnPools(db, [{ name: 'batch A', ids: aIds, maxQueries: 2 }, { name: 'batch B', ids: bIds, maxQueries: 2 }], setting);
  });
});

describe('step 3: a thousand requests, none dropped', () => {
  const TIMEOUT = 100;
  const dbDown = new Error('connection reset');
  const cdnDown = new Error('CDN answered 503');
  // Among 20 users: one database row fails, one is far too slow; one image fails, one is far too slow.
  const troubled = () =>
    world({
      users: { 2: { error: dbDown }, 8: { latencyMs: 1000 } },
      images: { 5: { error: cdnDown }, 3: { latencyMs: 1000 } },
    });
  const TROUBLED_USERS = range(20);

  /** Runs the troubled batch until it settles (at most 600 ms): rejects the test if it sank. */
  async function runTroubled() {
    fake();
    const w = troubled();
    const result = track(getProfilesSafely(TROUBLED_USERS, w.services, { maxQueries: 5, timeoutMs: TIMEOUT }));
    await advanceUntilSettled(result, 600);
    stopAtTodo(result);
    if (result.status === 'rejected') {
      fail(
        `getProfilesSafely rejected at ${ms(result.settledAtMs ?? 0)} with ${describeError(result.reason)}: one failed request sank the whole batch of ${TROUBLED_USERS.length}.`,
        w.db.draw(),
        'Each request must catch its own failure and turn it into an outcome ({ ok: false, userId, reason }),',
        'so the Promise.all over the batch never rejects because of one of them.',
      );
    }
    if (result.status === 'pending') {
      fail(
        `getProfilesSafely was still pending 600 ms in; every call has a ${TIMEOUT} ms timeout, and the slow ones take 1000 ms.`,
        w.db.draw(),
        w.cdn.draw(),
        'Give every call its own timer (setTimeout) that aborts it (an AbortController whose signal you pass to the call).',
      );
    }
    expectTimeoutsFromCallStart(result.value ?? [], w.db, TIMEOUT, 5, w.cdn);
    await expectLimitFromPoolSize('getProfilesSafely', w.db, 5, TROUBLED_USERS.length);
    return { ...w, result, outcomes: result.value ?? [] };
  }

  const outcomeOf = (outcomes: readonly ProfileOutcome[], userId: number): ProfileOutcome => {
    const found = outcomes.find((o) => (o.ok ? o.profile.userId : o.userId) === userId);
    if (!found) fail(`No outcome for user ${userId}: every request of the batch must have one (got ${outcomes.length} outcomes for ${TROUBLED_USERS.length} users).`);
    return found;
  };
  const profileOf = (outcomes: readonly ProfileOutcome[], userId: number, why: string): Profile => {
    const outcome = outcomeOf(outcomes, userId);
    if (!outcome.ok) fail(`User ${userId} got no profile (${describeError(outcome.reason)}), although ${why}.`);
    return outcome.profile;
  };

  it('a failing call sinks only its own request; a missing image only its picture', async () => {
    const { outcomes } = await runTroubled();
    expectOrder(outcomes.map((o) => (o.ok ? o.profile.userId : o.userId)), TROUBLED_USERS, 'getProfilesSafely outcomes (by userId)');
    const two = outcomeOf(outcomes, 2);
    if (two.ok) fail('User 2\'s database row could not be read, yet the outcome says ok: it must be { ok: false, userId: 2, reason }.');
    expectOwnError({ got: two.reason, expected: dbDown, happened: `User 2's database query failed with ${describeError(dbDown)}`, gave: 'its outcome\'s reason is' });
    const five = profileOf(outcomes, 5, 'only the picture failed: that is what the placeholder is for');
    if (!sameBytes(five.image, PLACEHOLDER_IMAGE)) fail('User 5\'s picture failed to load, but the profile does not carry PLACEHOLDER_IMAGE.');
    expectOwnError({ got: five.imageProblem, expected: cdnDown, happened: `User 5's picture failed with ${describeError(cdnDown)}`, gave: 'its profile\'s imageProblem is' });
    for (const id of TROUBLED_USERS.filter((n) => ![2, 3, 5, 8].includes(n))) {
      const profile = profileOf(outcomes, id, 'both of its calls answered');
      if (!sameBytes(profile.image, imageOf(id)) || profile.imageProblem !== undefined) {
        fail(`User ${id} had nothing wrong, yet its profile has ${profile.imageProblem === undefined ? 'the wrong image' : `an imageProblem (${describeError(profile.imageProblem)})`}: the others' trouble leaked into it.`);
      }
      expect(profile.user, `user ${id}'s row`).toEqual(userRow(id));
    }
  });

  it('outcomes follow the order of userIds, whatever order the ids come in and the requests finish in', async () => {
    fake();
    // Ids in no particular order, latencies that differ, one row that fails: the outcomes still follow userIds.
    const userIds = [42, 7, 19, 3, 88, 61, 5, 30];
    const users = Object.fromEntries(userIds.map((id, i) => [id, { latencyMs: 20 + ((i * 37) % 60), ...(id === 19 ? { error: dbDown } : {}) }]));
    const { db, services } = world({ users });
    const result = track(getProfilesSafely(userIds, services, { maxQueries: 3, timeoutMs: TIMEOUT }));
    await runUntilIdle(5_000);
    stopAtTodo(result);
    if (result.status !== 'fulfilled') fail(`getProfilesSafely ${result.status === 'rejected' ? `rejected with ${describeError(result.reason)}` : 'never settled'} for a batch of ${userIds.length} where one row fails.`, poolReport(db, 3));
    expectOrder((result.value ?? []).map((o) => (o.ok ? o.profile.userId : o.userId)), userIds, 'getProfilesSafely outcomes (by userId)');
  });

  it(`a slow call gives up after its own ${TIMEOUT} ms and is aborted; the batch does not wait for it`, async () => {
    const { outcomes, result, db, cdn } = await runTroubled();
    const three = profileOf(outcomes, 3, 'only its picture was slow');
    if (!(three.imageProblem instanceof TimeoutError)) {
      fail(`User 3's picture takes 1000 ms; after ${TIMEOUT} ms it should be given up with a TimeoutError. imageProblem: ${three.imageProblem === undefined ? 'none' : describeError(three.imageProblem)}.`, ...abortedWithoutReason(three.imageProblem));
    }
    if (!sameBytes(three.image, PLACEHOLDER_IMAGE)) fail('User 3\'s picture timed out, but the profile does not carry PLACEHOLDER_IMAGE.');
    const eight = outcomeOf(outcomes, 8);
    if (eight.ok || !(eight.reason instanceof TimeoutError)) {
      fail(`User 8's database row takes 1000 ms: after ${TIMEOUT} ms its request must fail with a TimeoutError (got ${eight.ok ? 'a profile' : describeError(eight.reason)}).`, ...(eight.ok ? [] : abortedWithoutReason(eight.reason)));
    }
    const stillRunning = [...db.timeline.intervals, ...cdn.timeline.intervals].filter((i) => i.end === undefined).map((i) => i.label);
    if (stillRunning.length > 0) {
      fail(
        `The batch settled at ${ms(result.settledAtMs ?? 0)}, but ${stillRunning.join(' and ')} kept running: the timeout gave up waiting, yet nobody aborted the call.`,
        cdn.draw(),
        'Pass an AbortSignal to every call and abort it when its timer fires: a call you stopped waiting for still holds a connection.',
      );
    }
    const slow = [...db.timeline.intervals, ...cdn.timeline.intervals].filter((i) => i.label === 'image 3' || i.label === 'user 8');
    for (const interval of slow) {
      const ran = (interval.end ?? 0) - interval.start;
      if (interval.outcome !== 'aborted' || Math.abs(ran - TIMEOUT) > 1) {
        fail(`"${interval.label}" ran ${ms(ran)} and ended ${interval.outcome ?? 'never'}: it should be aborted ${TIMEOUT} ms after it started.`, cdn.draw());
      }
    }
  });

  it('latencies that differ, queries that fail or time out: a connection is held only while its query runs, and comes back however it ends', async () => {
    fake();
    // Step 2's 40 users and 4 connections, now with two rows that fail and one query over the timeout.
    const mixed = differingLatencies(40);
    const { db, cdn, services } = world({
      users: { ...mixed.users, 5: { latencyMs: 30, error: dbDown }, 13: { latencyMs: 60, error: dbDown }, 9: { latencyMs: 1000 } },
      images: mixed.images,
    });
    const result = track(getProfilesSafely(range(40), services, { maxQueries: 4, timeoutMs: TIMEOUT }));
    await runUntilIdle(10_000);
    stopAtTodo(result);
    await expectLimitFromPoolSize('getProfilesSafely', db, 4, 40);
    if (db.inFlight.peak > 4) limitBroken(db, 4, TIMEOUT, poolReport(db, 4));
    // A query stopped before it could run (its timeout started too early, or another call's timeout hit it) explains idle connections.
    if (result.status === 'fulfilled') expectTimeoutsFromCallStart(result.value ?? [], db, TIMEOUT, 4, cdn);
    // Before the verdict on the batch: a pool that lost its connections explains a batch that never settles.
    expectPoolUse(db, 4, { cdn, calls: 40 });
    expectPicturesAtOnce(cdn, db);
    if (result.status === 'rejected') fail(`getProfilesSafely rejected with ${describeError(result.reason)}: one failed request sank the whole batch of 40.`, poolReport(db, 4));
    if (result.status !== 'fulfilled') fail(`getProfilesSafely never settled for a batch of 40 where every call answers or fails within its ${ms(TIMEOUT)} timeout.`, poolReport(db, 4));
    expectTimeoutsFromCallStart(result.value ?? [], db, TIMEOUT, 4, cdn);
  });

  it('the timeout counts from when a call starts, not while it waits for a connection', async () => {
    fake();
    const { db, cdn, services } = world();
    // 100 users through 10 connections: the last queries wait 450 ms for a connection, then answer in 50.
    const result = track(getProfilesSafely(range(100), services, { maxQueries: 10, timeoutMs: TIMEOUT }));
    await advanceUntilSettled(result, 1000);
    stopAtTodo(result);
    if (result.status !== 'fulfilled') fail(`getProfilesSafely ${result.status === 'rejected' ? `rejected with ${describeError(result.reason)}` : 'never settled'} for a batch where nothing fails.`);
    expectTimeoutsFromCallStart(result.value ?? [], db, TIMEOUT, 10, cdn);
    const failed = (result.value ?? []).filter((o) => !o.ok || o.profile.imageProblem !== undefined);
    if (failed.length > 0) {
      const first = failed[0];
      fail(
        `${failed.length} of 100 requests timed out, although every call answers in ${LATENCY} ms and the timeout is ${TIMEOUT} ms.`,
        `First: user ${first ? (first.ok ? first.profile.userId : first.userId) : '?'}. Their queries waited for a free connection, and that wait ate the timeout.`,
        poolReport(db),
        'Start the timer inside the limited function, when the call really starts, not when the request is queued.',
      );
    }
    await expectLimitFromPoolSize('getProfilesSafely', db, 10, 100);
    if (db.inFlight.peak !== 10) fail(`The batch ran ${db.inFlight.peak} database queries at once; the pool has 10 connections.`, poolReport(db));
    expect(result.settledAtMs, 'ten rounds of 50 ms').toBe(10 * LATENCY);
  });

  it('leaves no timer behind once the batch has settled', async () => {
    fake();
    const { services } = world();
    const result = track(getProfilesSafely(range(100), services, { maxQueries: 10, timeoutMs: TIMEOUT }));
    await advanceUntilSettled(result, 1000, 1);
    stopAtTodo(result);
    if (!result.settled) fail('getProfilesSafely never settled for a batch of 100 where nothing fails (ten rounds of 50 ms).');
    const left = pendingTimers();
    if (left > 0) {
      fail(
        `The batch settled at ${ms(result.settledAtMs ?? 0)}, but ${left} timer(s) were still scheduled: the timeout timer leaked for every call that answered in time.`,
        'In a server handling thousands of requests, every leaked timer holds memory (and its closure) until it fires.',
        'Clear the timer however the call ends: `try { return await call(signal) } finally { clearTimeout(timer) }`.',
      );
    }
  });

  it('cancelling the batch stops the calls in flight and the queued ones, at once', async () => {
    fake();
    const { db, cdn, services } = world();
    const controller = new AbortController();
    const goneAway = new Error('the client went away');
    let result: Tracked<ProfileOutcome[]> | undefined;
    const unhandled = await collectUnhandledRejections(async () => {
      db.watchCancel(controller.signal);
      cdn.watchCancel(controller.signal);
      const running = track(getProfilesSafely(range(100), services, { maxQueries: 10, timeoutMs: TIMEOUT, signal: controller.signal }));
      result = running;
      await advance(120); // three rounds of queries have started: 0, 50, 100 ms
      stopAtTodo(running);
      if (running.status === 'fulfilled') {
        expectTimeoutsFromCallStart(running.value ?? [], db, TIMEOUT, 10, cdn);
        fail(`getProfilesSafely had already resolved at ${ms(running.settledAtMs ?? 0)}, before the cancel at 120 ms; 100 users through 10 connections take 500 ms.`, poolReport(db));
      }
      const startedBefore = db.started.length;
      // Set by the code under test, if anyone: the signal has one onabort, whoever sets it last replaces the others.
      const onabortSet = typeof controller.signal.onabort === 'function';
      controller.abort(goneAway);
      await flush();
      await flush();
      const settledAtAbort = running.settled;
      const timersAtAbort = pendingTimers();
      const inFlightAtAbort = db.pending + cdn.pending;
      await advance(2000);
      expectNoCallAfterCancel(db, cdn, 120, startedBefore);
      if (inFlightAtAbort > 0) {
        fail(
          `Right after the abort ${inFlightAtAbort} call(s) were still in flight: the batch signal did not reach them.`,
          db.draw(),
          ...(onabortSet
            ? [
                'The batch signal\'s onabort was set when it aborted. A signal has one onabort: each call that sets it replaces the handler of the',
                'call before, so an abort reaches only the call that set it last. Add a listener per call (addEventListener, removed in a finally), or:',
              ]
            : []),
          'Combine the batch signal with each call\'s own timeout signal: `AbortSignal.any([batchSignal, timeout.signal])`.',
        );
      }
      if (!settledAtAbort && !running.settled) {
        const neverQueried = 100 - db.attempts.length;
        const running = db.pending + cdn.pending;
        fail(
          `getProfilesSafely was still pending right after the abort at 120 ms, and still 2 s later: a cancelled batch must stop at once, and this one never did.`,
          `${startedBefore} queries had started before the abort (every one still running was aborted), and ${neverQueried} requests had never sent their query.`,
          ...(running === 0 && neverQueried > 0
            ? [
                `No call was running any more: the ${neverQueried} queued queries never settled, neither run (to give up at once on the aborted signal) nor rejected,`,
                '   and the requests awaiting them waited for ever.',
                '-> A queued call must settle. Dropping it from the queue (p-limit\'s clearQueue()) leaves its promise pending for ever; a connection',
                '   never given back after an abort leaves the next call in line waiting for ever. Let each queued call take its turn and give up',
                '   at once: `signal.throwIfAborted()` at the start of the limited function (p-limit gives connections back itself; a hand-written',
                '   limiter releases in a `finally`). Then reject with `signal.reason`.',
              ]
            : [
                '-> Waiting for every request (Promise.all) is fine, as long as the queued requests wake up and give up at once: does every',
                '   aborted or failed query give its connection back, so the next waiting request gets it and sees the aborted signal?',
                '   (A hand-written limiter releases in a `finally`; p-limit does that itself.) Then reject with `signal.reason`.',
              ]),
        );
      }
      if (!settledAtAbort) {
        fail(
          `getProfilesSafely was still ${running.status} right after the abort at 120 ms${running.settled ? ` (it settled at ${ms(running.settledAtMs ?? 0)})` : ''}: a cancelled batch must stop at once.`,
          'Reject with `signal.reason` once the signal has aborted.',
        );
      }
      if (running.status !== 'rejected') fail('A cancelled batch must reject (with the signal\'s reason), not resolve.');
      if (timersAtAbort > 0) {
        fail(`Right after the abort ${timersAtAbort} timer(s) were still scheduled: the timers of the aborted calls leaked. Clear each call's timer however it ends.`);
      }
    });
    if (unhandled.length > 0) {
      fail(
        `${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.slice(0, 3).map(describeError).join('; ')}.`,
        'Every promise you create must end up awaited (or caught), even when the batch is cancelled.',
      );
    }
    const reason: unknown = result?.reason;
    if (!carriesCancelReason(reason, goneAway)) {
      fail(`The cancelled batch rejected with ${describeError(reason)}; reject with the signal's reason, as fetch does.`, ...lostCancelReason(reason, goneAway));
    }
  });

  it('a batch whose signal is already aborted: it rejects at once with the reason, and no call reaches a service', async () => {
    // Cancelled before it began (the client was gone before the batch was even started): an 'abort' listener added now
    // never runs, since the event fired before anybody listened. Only a look at the signal itself tells.
    fake();
    const { db, cdn, services } = world();
    const controller = new AbortController();
    const goneAway = new Error('the client went away');
    controller.abort(goneAway);
    let result: Tracked<ProfileOutcome[]> | undefined;
    let runningAtSettle: string[] = [];
    const unhandled = await collectUnhandledRejections(async () => {
      const running = track(getProfilesSafely(range(20), services, { maxQueries: 5, timeoutMs: TIMEOUT, signal: controller.signal }));
      result = running;
      await runUntilIdle(2_000, () => {
        if (running.settled && runningAtSettle.length === 0) runningAtSettle = [...db.timeline.intervals, ...cdn.timeline.intervals].filter((i) => i.end === undefined).map((i) => i.label);
      });
    });
    const batch = result!;
    stopAtTodo(batch);
    const did =
      batch.status === 'pending'
        ? 'never settled'
        : batch.status === 'fulfilled'
          ? `resolved at ${ms(batch.settledAtMs ?? 0)} with ${batch.value?.length ?? 0} outcomes (${(batch.value ?? []).filter((o) => !o.ok).length} of them failed)`
          : `rejected at ${ms(batch.settledAtMs ?? 0)} with ${describeError(batch.reason)}`;
    const NO_EVENT = [
      '-> a signal that has already aborted never fires \'abort\' again: a listener added to it now never runs (neither a forwarding listener',
      '   nor one that rejects the batch). Look at the signal itself first: `signal?.throwIfAborted()` at the start of getProfilesSafely',
      '   rejects with its reason before any call is made (AbortSignal.any([batch, own.signal]) is aborted at once when batch is).',
    ];
    const calls = [...db.attempts, ...cdn.attempts];
    if (calls.length > 0) {
      const ran = calls.filter((a) => !a.refused);
      const pictures = cdn.attempts.length;
      fail(
        `The batch signal was already aborted when getProfilesSafely was called, yet ${calls.length} call(s) reached the services (${db.attempts.length} database quer${db.attempts.length === 1 ? 'y' : 'ies'}, ${pictures} picture request${pictures === 1 ? '' : 's'}); the batch ${did}.`,
        ran.length === 0
          ? 'Every one of them carried an already-aborted signal, so the service refused it at once, but each was still made: a real client may open a connection or send the request before it looks at the signal.'
          : `${ran.length} of them ran with a signal that was not aborted ("${ran[0]?.label}" first${runningAtSettle.length > 0 ? `; ${runningAtSettle.length} still ran when the batch settled` : ''}): the batch's abort never reached them.`,
        ...(db.attempts.length > 0 ? [db.draw()] : []),
        ...(cdn.attempts.length > 0 ? [cdn.draw()] : []),
        ...NO_EVENT,
      );
    }
    const reason: unknown = batch.reason;
    if (batch.status !== 'rejected' || batch.settledAtMs !== 0 || !carriesCancelReason(reason, goneAway)) {
      fail(
        `The batch signal was already aborted when getProfilesSafely was called (the reason: ${describeError(goneAway)}); the batch ${did}. It must reject at once (0 ms), with the signal's reason.`,
        ...(batch.status === 'rejected' ? lostCancelReason(reason, goneAway) : []),
        ...(batch.status === 'fulfilled' ? ['A batch cancelled before it began is still cancelled: the caller wants the abort, not a list of aborted requests.', ...NO_EVENT] : []),
      );
    }
    if (unhandled.length > 0) {
      fail(`${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.slice(0, 3).map(describeError).join('; ')}.`, 'Every promise you create must end up awaited (or caught), even when the batch is cancelled.');
    }
  });

  it('two batches at once, each with its own signal: cancelling one stops its own calls only', async () => {
    // Two clients, two batches on one database. Each batch owns what its cancel stops: A's cancel must not reach B.
    fake();
    const { db, cdn, services } = world();
    const a = new AbortController();
    const b = new AbortController();
    const goneAway = new Error('client A went away');
    const aIds = range(10);
    const bIds = range(10).map((i) => 100 + i);
    let batchA: Tracked<ProfileOutcome[]> | undefined;
    let batchB: Tracked<ProfileOutcome[]> | undefined;
    const unhandled = await collectUnhandledRejections(async () => {
      batchA = track(getProfilesSafely(aIds, services, { maxQueries: 2, timeoutMs: TIMEOUT, signal: a.signal }));
      batchB = track(getProfilesSafely(bIds, services, { maxQueries: 2, timeoutMs: TIMEOUT, signal: b.signal }));
      setTimeout(() => a.abort(goneAway), 60);
      await runUntilIdle(5_000);
    });
    const [ra, rb] = [batchA!, batchB!];
    stopAtTodo(ra);
    stopAtTodo(rb);
    const said = (r: Tracked<ProfileOutcome[]>) =>
      r.status === 'pending'
        ? 'never settled'
        : r.status === 'rejected'
          ? `rejected at ${ms(r.settledAtMs ?? 0)} with ${describeError(r.reason)}`
          : `resolved at ${ms(r.settledAtMs ?? 0)} with ${(r.value ?? []).filter((o) => !o.ok).length} failed request(s) of ${r.value?.length ?? 0}`;
    const setting = 'Two batches ran at once on one database, each with its own signal: A (users 0-9) and B (users 100-109), 2 connections each. A was cancelled at 60 ms; B never was.';
    const isB = (label: string) => Number(label.split(' ')[1]) >= 100;
    // B's first queries reach the database at 0 ms unless something shared stopped them before A's cancel.
    const queriedAtStart = db.attempts.some((attempt) => isB(attempt.label) && attempt.atMs === 0);
    if (rb.status === 'fulfilled') expectEveryQueryMade(`${setting} Batch B ${said(rb)}`, db, rb.value ?? [], { beside: { name: 'batch A', cancelledAtMs: 60, queriedAtStart } });
    const hitB = [...db.abortedWith, ...cdn.abortedWith].filter(([label, reason]) => isB(label) && reason === goneAway).map(([label]) => label);
    // Each batch owns its 2 connections: A's until its cancel, B's the whole time.
    expectOwnPools(db, [{ name: 'batch A', ids: aIds, maxQueries: 2, untilMs: 60 }, { name: 'batch B', ids: bIds, maxQueries: 2 }], setting);
    const bFine = rb.status === 'fulfilled' && (rb.value ?? []).every((o) => o.ok) && rb.value?.length === bIds.length;
    if (hitB.length > 0 || !bFine) {
      fail(
        setting,
        `Yet ${hitB.length > 0 ? `${hitB.length} of B's calls were aborted with A's reason (${describeError(goneAway)}: ${hitB.slice(0, 4).map((l) => `"${l}"`).join(', ')}${hitB.length > 4 ? ', …' : ''}), and ` : ''}batch B ${said(rb)}.`,
        poolReport(db, 4),
        ...(hitB.length > 0
          ? [
              '-> a cancel reached another batch: the batches share something that holds the calls of every batch (a set of controllers, or one controller,',
              '   kept outside getProfilesSafely, at module level say). Each batch stops only its own calls: combine each call\'s own signal with that',
              '   batch\'s signal, `AbortSignal.any([options.signal, own.signal])`, and keep anything a cancel aborts inside the call of getProfilesSafely.',
            ]
          : []),
      );
    }
    const reason: unknown = ra.reason;
    if (ra.status !== 'rejected' || ra.settledAtMs !== 60 || !carriesCancelReason(reason, goneAway)) {
      fail(setting, `Batch A ${said(ra)}; cancelled at 60 ms, it must reject then, with its signal's reason.`, ...(ra.status === 'rejected' ? lostCancelReason(reason, goneAway) : []), poolReport(db, 4));
    }
    if (unhandled.length > 0) {
      fail(`${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.slice(0, 3).map(describeError).join('; ')}.`, 'Every promise you create must end up awaited (or caught), even when the batch is cancelled.');
    }
  });

  it('a request whose row fails still waits for (or stops) its picture: nothing runs on once the batch has settled', async () => {
    fake();
    const { db, cdn, services } = world({ users: { 1: { latencyMs: 10, error: dbDown } }, images: { 1: { latencyMs: 80 } } });
    const result = track(getProfilesSafely([1], services, { maxQueries: 1, timeoutMs: TIMEOUT }));
    let runningAtSettle: string[] | undefined;
    await runUntilIdle(1_000, () => {
      if (result.settled && !runningAtSettle) runningAtSettle = cdn.timeline.intervals.filter((i) => i.end === undefined).map((i) => i.label);
    });
    stopAtTodo(result);
    if (result.status !== 'fulfilled') fail(`getProfilesSafely ${result.status === 'rejected' ? `rejected with ${describeError(result.reason)}` : 'never settled'}.`, db.draw());
    if ((runningAtSettle ?? []).length > 0) {
      fail(
        `User 1's row failed at 10 ms and getProfilesSafely resolved at ${ms(result.settledAtMs ?? 0)}, while its picture ("image 1", 80 ms) was still running.`,
        cdn.draw(),
        '-> nothing of a batch may run on once it has settled: a call nobody waits for still holds a connection and its timer.',
        '   A request whose row failed has no use for its picture, but it must still wait for it (or abort it) before it reports the failure.',
      );
    }
  });

  it('leaves nothing behind with real timers either: a batch that completes, one with a timeout, one cancelled', async () => {
    // Real time, short: the same rule on Node's own timers, on every way out.
    const realWorld = (slowImage: boolean) => {
      const db = new SimulatedIo(5);
      const cdn = new SimulatedIo(5);
      const services: ProfileServices = {
        fetchUser: (userId, signal) => db.call(`user ${userId}`, { value: userRow(userId), signal }),
        fetchImage: (userId, signal) => cdn.call(`image ${userId}`, { value: imageOf(userId), signal, ...(slowImage && userId === 1 ? { latencyMs: 2_000 } : {}) }),
      };
      return { services, db, cdn };
    };
    const paths: [string, boolean, number | undefined][] = [
      ['The batch of 4 completed', false, undefined],
      ['The batch of 4 completed, user 1\'s picture after its 40 ms timeout', true, undefined],
      ['The batch of 4 was cancelled after 8 ms', true, 8],
    ];
    for (const [when, slowImage, cancelAfterMs] of paths) {
      const controller = new AbortController();
      const cancel = cancelAfterMs === undefined ? undefined : setTimeout(() => controller.abort(new Error('gone')), cancelAfterMs);
      const watch = watchHandles();
      watch.watchListeners(controller.signal, 'the batch signal (options.signal)');
      // Every call ends within 40 ms: a batch still pending 2 s later never settles (and the test says so, instead of hanging).
      const NEVER = Symbol('never settled');
      let giveUp: ReturnType<typeof setTimeout> | undefined;
      const io = realWorld(slowImage);
      let runningAtSettle: string[] = [];
      let cancelledAtSettle = false;
      const outcome: unknown = await Promise.race([
        getProfilesSafely(range(4), io.services, { maxQueries: 2, timeoutMs: 40, signal: controller.signal })
          .finally(() => {
            runningAtSettle = [...io.db.timeline.intervals, ...io.cdn.timeline.intervals].filter((i) => i.end === undefined).map((i) => i.label);
            cancelledAtSettle = controller.signal.aborted;
          })
          .catch((error: unknown) => error),
        new Promise((resolve) => (giveUp = setTimeout(resolve, 2_000, NEVER))),
      ]);
      clearTimeout(giveUp);
      const open = watch.open();
      watch.stop();
      clearTimeout(cancel);
      if (outcome instanceof Error && outcome.message.startsWith('TODO')) throw outcome;
      if (outcome === NEVER) {
        fail(
          `With real timers, a batch of 4 (2 connections, timeout 40 ms${cancelAfterMs === undefined ? '' : `, cancelled after ${cancelAfterMs} ms`}) had not settled 2 s later, although every call ends within its 40 ms timeout.`,
          'Something in it waits for a promise that never settles: a request waiting for a connection nobody gives back, say.',
        );
      }
      if (Array.isArray(outcome) && !cancelledAtSettle) {
        expectEveryQueryMade(`With real timers: ${when.replace(/ was cancelled after (\d+) ms/, ' was to be cancelled after $1 ms; it was done before that')}`, io.db, outcome as ProfileOutcome[]);
      }
      if ((cancelAfterMs === undefined) !== Array.isArray(outcome)) fail(`With real timers: ${when}, and getProfilesSafely gave ${outcome instanceof Error ? describeError(outcome) : 'outcomes'}.`);
      if (runningAtSettle.length > 0) {
        fail(
          `With real timers: ${when}, but when getProfilesSafely settled ${runningAtSettle.map((l) => `"${l}"`).join(', ')} ${runningAtSettle.length === 1 ? 'was' : 'were'} still running${open.length > 0 ? ', and left this behind:' : '.'}`,
          ...(open.length > 0 ? [watch.describe(open)] : []),
          '-> nothing of a batch may run on once it has settled: a call nobody waits for still holds a connection and a timer.',
          ...(slowImage && runningAtSettle.includes('image 1') && cancelAfterMs === undefined ? UNABORTED_TIMEOUT : []),
        );
      }
      if (open.length > 0) {
        fail(
          `With real timers: ${when}, but getProfilesSafely left ${open.length === 1 ? 'this' : `these ${open.length}`} behind:`,
          watch.describe(open),
          ...adviceForOpen(open).map((advice) => `-> ${advice}`),
        );
      }
    }
  });

  it('holds for any latencies, failures and cancel moment: outcomes, timeouts per call, no call after cancel, nothing left open', async () => {
    // Latencies never equal the timeout: a tie may go either way, and both answers would be right.
    const latency = fc.oneof(fc.integer({ min: 1, max: TIMEOUT - 1 }), fc.integer({ min: TIMEOUT + 1, max: 2 * TIMEOUT }));
    const call = fc.record({ latencyMs: latency, fails: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) });
    const cases = fc.record({
      users: fc.array(fc.record({ db: call, cdn: call }), { minLength: 1, maxLength: 10 }),
      maxQueries: fc.integer({ min: 1, max: 4 }),
      cancelAtMs: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
    });
    const callText = (c: { latencyMs: number; fails: boolean }) => `${c.latencyMs}${c.fails ? ' (fails)' : ''}`;
    await explore({
      seed: 203,
      cases,
      describe: (c) =>
        `${c.users.length} user(s), ${c.maxQueries} connection(s), timeout ${TIMEOUT} ms, ${c.cancelAtMs === undefined ? 'never cancelled' : `cancelled at ${c.cancelAtMs} ms`}; ` +
        `query ms: ${c.users.map((u) => callText(u.db)).join(', ')}; picture ms: ${c.users.map((u) => callText(u.cdn)).join(', ')}`,
      cleanup: () => vi.useRealTimers(),
      check: async ({ users, maxQueries, cancelAtMs }) => {
        fake();
        const ids = users.map((_, i) => i);
        const dbError = (id: number) => new Error(`row ${id} unreadable`);
        const cdnError = (id: number) => new Error(`picture ${id} missing`);
        const { db, cdn, services } = world({
          users: Object.fromEntries(users.map((u, id) => [id, { latencyMs: u.db.latencyMs, ...(u.db.fails ? { error: dbError(id) } : {}) }])),
          images: Object.fromEntries(users.map((u, id) => [id, { latencyMs: u.cdn.latencyMs, ...(u.cdn.fails ? { error: cdnError(id) } : {}) }])),
        });
        const controller = new AbortController();
        const goneAway = new Error('the client went away');
        db.watchCancel(controller.signal);
        cdn.watchCancel(controller.signal);
        // The test's own timer, made before the watch starts: only the code under test's handles count.
        if (cancelAtMs !== undefined) setTimeout(() => controller.abort(goneAway), cancelAtMs);
        const watch = watchHandles();
        watch.watchListeners(controller.signal, 'the batch signal (options.signal)');
        let result: Tracked<ProfileOutcome[]> | undefined;
        let openAtSettle: OpenHandle[] | undefined;
        let runningAtSettle: string[] = [];
        const unhandled = await collectUnhandledRejections(async () => {
          result = track(getProfilesSafely(ids, services, { maxQueries, timeoutMs: TIMEOUT, signal: controller.signal }));
          await runUntilIdle(10_000, () => {
            if (!result?.settled || openAtSettle) return;
            openAtSettle = watch.open();
            runningAtSettle = [...db.timeline.intervals, ...cdn.timeline.intervals].filter((i) => i.end === undefined).map((i) => i.label);
          });
        });
        watch.stop();
        const batch = result!;
        stopAtTodo(batch);
        const drawing = `${poolReport(db, maxQueries)}\nThe pictures:\n${cdn.draw()}`;
        const cancelled = cancelAtMs !== undefined && !(batch.status === 'fulfilled' && (batch.settledAtMs ?? 0) < cancelAtMs);
        if (!cancelled && batch.status === 'fulfilled') expectEveryQueryMade(`A batch of ${ids.length}${cancelAtMs === undefined ? ', never cancelled' : `, done at ${ms(batch.settledAtMs ?? 0)}, before the cancel at ${ms(cancelAtMs)}`}`, db, batch.value ?? [], { context: [drawing] });
        await expectLimitFromPoolSize('getProfilesSafely', db, maxQueries, ids.length);
        if (db.inFlight.peak > maxQueries) {
          limitBroken(db, maxQueries, TIMEOUT, drawing);
        }
        // The pool invariant of step 2, with failures, timeouts and (up to the cancel) a cancelled batch: before the
        // verdict on the batch, since connections that never came back explain a batch that never settles.
        expectPoolUse(db, maxQueries, { cdn, calls: ids.length, ...(cancelled && cancelAtMs !== undefined ? { untilMs: cancelAtMs } : {}) });
        expectPicturesAtOnce(cdn, db);
        if (cancelled) {
          expectNoCallAfterCancel(db, cdn, cancelAtMs, db.attempts.filter((a) => !a.afterCancel).length);
          const reason: unknown = batch.reason;
          const ranOn = [...db.timeline.intervals, ...cdn.timeline.intervals].filter((i) => i.end === undefined || i.end > cancelAtMs);
          const ranOnText = () => {
            const pictures = ranOn.filter((i) => i.label.startsWith('image')).length;
            const queries = ranOn.length - pictures;
            const kinds = [...(queries > 0 ? [`${queries} database quer${queries === 1 ? 'y' : 'ies'}`] : []), ...(pictures > 0 ? [`${pictures} picture request${pictures === 1 ? '' : 's'}`] : [])].join(' and ');
            return [
              `The batch was cancelled at ${ms(cancelAtMs)}, but ${kinds} ran on after it (${ranOn.slice(0, 4).map((i) => `"${i.label}" until ${i.end === undefined ? 'the end' : ms(i.end)}`).join(', ')}${ranOn.length > 4 ? ', …' : ''}): the batch signal did not reach ${ranOn.length === 1 ? 'that call' : 'those calls'}.`,
              pictures > 0 && queries === 0
                ? '-> The pictures need the batch signal too, not only their own deadline: pass each picture call `AbortSignal.any([batch, own.signal])`, as the queries get.'
                : '-> Every call of the batch, query and picture, gets the batch signal combined with its own deadline: `AbortSignal.any([batch, own.signal])`.',
            ];
          };
          if (batch.status !== 'rejected' || batch.settledAtMs !== cancelAtMs || !carriesCancelReason(reason, goneAway)) {
            fail(
              `The batch was cancelled at ${ms(cancelAtMs)}; getProfilesSafely ${batch.status === 'pending' ? 'never settled' : `${batch.status} at ${ms(batch.settledAtMs ?? 0)}${batch.status === 'rejected' ? ` with ${describeError(reason)}` : ''}`}.`,
              'A cancelled batch rejects at once, with the signal\'s reason.',
              ...(batch.status === 'rejected' ? lostCancelReason(reason, goneAway) : []),
              ...(ranOn.length > 0 && batch.settledAtMs !== cancelAtMs ? [...ranOnText(), `It waited for ${ranOn.length === 1 ? 'it' : 'them'} before it rejected.`] : []),
              drawing,
            );
          }
          if (ranOn.length > 0) fail(...ranOnText(), drawing);
        } else {
          if (batch.status !== 'fulfilled') {
            fail(`getProfilesSafely ${batch.status === 'rejected' ? `rejected with ${describeError(batch.reason)}` : 'never settled'}; nobody cancelled this batch, so it must resolve with one outcome per request.`, drawing);
          }
          const outcomes = batch.value ?? [];
          expectTimeoutsFromCallStart(outcomes, db, TIMEOUT, maxQueries, cdn);
          expectOrder(outcomes.map((o) => (o.ok ? o.profile.userId : o.userId)), ids, 'getProfilesSafely outcomes (by userId)');
          users.forEach((u, id) => {
            const outcome = outcomes[id]!;
            const rowProblem = u.db.latencyMs > TIMEOUT ? 'TimeoutError' : u.db.fails ? dbError(id).message : undefined;
            const picProblem = u.cdn.latencyMs > TIMEOUT ? 'TimeoutError' : u.cdn.fails ? cdnError(id).message : undefined;
            const said = (reason: unknown) => (reason instanceof TimeoutError ? 'TimeoutError' : reason instanceof Error ? reason.message : String(reason));
            if (rowProblem !== undefined) {
              if (outcome.ok || said(outcome.reason) !== rowProblem) {
                fail(`User ${id}'s query ${rowProblem === 'TimeoutError' ? `takes ${ms(u.db.latencyMs)}, over the ${ms(TIMEOUT)} timeout` : 'fails'}: its outcome must be { ok: false, reason: ${rowProblem} }; it is ${outcome.ok ? 'a profile' : `{ ok: false, reason: ${describeError(outcome.reason)} }`}.`, drawing, ...(rowProblem === 'TimeoutError' && !outcome.ok ? abortedWithoutReason(outcome.reason) : []));
              }
              return;
            }
            if (!outcome.ok) fail(`User ${id}'s query answered in ${ms(u.db.latencyMs)}, yet its request failed with ${describeError(outcome.reason)}${picProblem ? ': a picture problem must cost only the picture (PLACEHOLDER_IMAGE)' : ''}.`, drawing);
            const gotProblem = outcome.profile.imageProblem === undefined ? undefined : said(outcome.profile.imageProblem);
            const placeholder = sameBytes(outcome.profile.image, PLACEHOLDER_IMAGE);
            if (gotProblem !== picProblem || placeholder !== (picProblem !== undefined)) {
              fail(
                `User ${id}'s picture ${picProblem === undefined ? `answered in ${ms(u.cdn.latencyMs)}` : picProblem === 'TimeoutError' ? `takes ${ms(u.cdn.latencyMs)}, over the ${ms(TIMEOUT)} timeout` : 'fails'}; the profile has ${placeholder ? 'PLACEHOLDER_IMAGE' : 'its own picture'} and imageProblem ${gotProblem ?? 'none'}.`,
                drawing,
                ...(picProblem === 'TimeoutError' ? abortedWithoutReason(outcome.profile.imageProblem) : []),
              );
            }
          });
          for (const interval of [...db.timeline.intervals, ...cdn.timeline.intervals]) {
            const spec = users[Number(interval.label.split(' ')[1])]?.[interval.label.startsWith('user') ? 'db' : 'cdn'];
            if (!spec) continue;
            const ran = (interval.end ?? Number.POSITIVE_INFINITY) - interval.start;
            const expected = Math.min(spec.latencyMs, TIMEOUT);
            // A picture whose row failed may also be stopped, at the moment the row failed ("waits for it, or stops it").
            const id = Number(interval.label.split(' ')[1]);
            const row = interval.label.startsWith('image') ? db.timeline.intervals.find((i) => i.label === `user ${id}`) : undefined;
            const rowFailed = row !== undefined && row.end !== undefined && (row.outcome === 'failed' || row.outcome === 'aborted');
            const stoppedWithRow = rowFailed && interval.outcome === 'aborted' && interval.end === row.end;
            if (ran !== expected && !stoppedWithRow) {
              fail(
                `"${interval.label}" ran ${Number.isFinite(ran) ? ms(ran) : 'on and on'}${interval.outcome ? ` and ended ${interval.outcome}` : ''}; it ${spec.latencyMs > TIMEOUT ? `should be aborted ${ms(TIMEOUT)} after it started, by its own timeout` : `answers after ${ms(spec.latencyMs)}`}${rowFailed ? `, or is stopped the moment its row failed (at ${ms(row.end ?? 0)})` : ''}.`,
                drawing,
              );
            }
          }
        }
        if (runningAtSettle.length > 0) {
          const first = runningAtSettle[0] ?? '';
          const owner = outcomesOwner(batch.value ?? [], Number(first.split(' ')[1]));
          fail(
            `getProfilesSafely settled at ${ms(batch.settledAtMs ?? 0)} while ${runningAtSettle.map((l) => `"${l}"`).join(', ')} ${runningAtSettle.length === 1 ? 'was' : 'were'} still running${owner && !owner.ok ? ` (the request of user ${owner.userId} had already failed: ${describeError(owner.reason)})` : ''}.`,
            drawing,
            '-> nothing of a batch may run on once it has settled: a call nobody waits for still holds a connection and a timer.',
            '   A request whose row failed has no use for its picture, but it must still wait for it (or abort it) before it reports the failure.',
          );
        }
        const open = openAtSettle ?? [];
        if (open.length > 0) {
          fail(
            `getProfilesSafely settled at ${ms(batch.settledAtMs ?? 0)}, but it left ${open.length === 1 ? 'this' : `these ${open.length}`} behind:`,
            watch.describe(open),
            ...adviceForOpen(open).map((advice) => `-> ${advice}`),
          );
        }
        if (unhandled.length > 0) {
          fail(`${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.slice(0, 3).map(describeError).join('; ')}.`, 'Every promise you create must end up awaited (or caught), even when the batch is cancelled.');
        }
      },
    });
  });
});

function outcomesOwner(outcomes: readonly ProfileOutcome[], userId: number): ProfileOutcome | undefined {
  return outcomes.find((o) => (o.ok ? o.profile.userId : o.userId) === userId);
}

/**
 * In a batch nobody cancelled, a request fails only when one of its own calls fails: its query at least
 * must have reached the database. A request that failed without one was stopped by something else, and
 * in a batch that was never cancelled, that something was not this batch's cancel. `beside` names a batch
 * that ran at the same time and was cancelled (the two-batch test); when the judged batch still reached the
 * database at its start, the shared state was clear then, so that batch's cancel set it, not an earlier one.
 */
function expectEveryQueryMade(
  what: string,
  db: SimulatedIo,
  outcomes: readonly ProfileOutcome[],
  options: { beside?: { name: string; cancelledAtMs: number; queriedAtStart: boolean }; context?: string[] } = {},
): void {
  const asked = new Set(db.attempts.map((a) => a.label));
  const unasked = outcomes.filter((o): o is Extract<ProfileOutcome, { ok: false }> => !o.ok && !asked.has(`user ${o.userId}`));
  if (unasked.length === 0) return;
  const first = unasked[0]!;
  const beside = options.beside?.queriedAtStart ? options.beside : undefined;
  fail(
    `${what}: nobody cancelled this batch, yet ${unasked.length} of its ${outcomes.length} requests failed without their query ever reaching the database (user ${first.userId} first, with ${describeError(first.reason)}).`,
    ...(options.context ?? []),
    '-> in a batch nobody cancelled, a request fails only when its own call fails, so its query must be made. Look at what stopped it before the call:',
    ...(beside
      ? [
          '   state shared by every call of getProfilesSafely (a flag or a controller at module level). It was clear when this batch began (its first',
          `   queries reached the database), so the cancel of ${beside.name} at ${ms(beside.cancelledAtMs)}, a batch running at the same time, set it. Resetting such state`,
          '   when a batch starts does not help: batches run side by side.',
        ]
      : [
          '   state shared by every call of getProfilesSafely (a flag or a controller at module level), set by the cancel of a batch before this one',
          '   and inherited by every later batch.',
        ]),
    '   Keep whatever a cancel sets inside getProfilesSafely, one per batch, and look at this batch\'s own signal (`signal?.throwIfAborted()`).',
  );
}

/**
 * A cancelled batch rejects with its signal's reason, as fetch does. Node's own abortable APIs (events.once,
 * timers/promises with a signal) reject with an AbortError whose `cause` is that reason: that carries it too.
 * An AbortError the code makes up itself (no cause) loses why the caller cancelled.
 */
function carriesCancelReason(rejection: unknown, reason: unknown): boolean {
  return rejection === reason || (rejection instanceof Error && rejection.name === 'AbortError' && rejection.cause === reason);
}

function lostCancelReason(rejection: unknown, reason: unknown): string[] {
  if (carriesCancelReason(rejection, reason) || !(rejection instanceof Error) || rejection.name !== 'AbortError') return [];
  return [
    `-> the caller's reason was lost: the batch rejected with an AbortError of its own (${describeError(rejection)}), not with the reason the signal`,
    `   was aborted with (${describeError(reason)}). Reject with \`signal.reason\` itself: \`signal.throwIfAborted()\` does, and so does a service that honours the signal.`,
  ];
}

/** A call given up on with a generic AbortError where a TimeoutError was due: its timer aborted it with no reason. */
function abortedWithoutReason(reason: unknown): string[] {
  if (!(reason instanceof Error) || reason.name !== 'AbortError' || reason instanceof TimeoutError) return [];
  return [
    '-> that is the error `controller.abort()` gives when it is called with no reason. The services reject with their signal\'s reason, so abort',
    '   with the TimeoutError itself: `controller.abort(new TimeoutError(timeoutMs))` in the timer, and the failure says why it happened.',
  ];
}

/** Queued calls never start: judged on every call that reached a service once the batch was cancelled. */
function expectNoCallAfterCancel(db: SimulatedIo, cdn: SimulatedIo, cancelledAtMs: number, startedBefore: number): void {
  const after = [...db.callsAfterCancel, ...cdn.callsAfterCancel];
  if (after.length === 0) return;
  const refused = after.filter((a) => a.refused).length;
  const queries = db.callsAfterCancel.length;
  fail(
    `The batch was cancelled at ${ms(cancelledAtMs)}, and ${after.length} call(s) still reached the services after that (${queries} database quer${queries === 1 ? 'y' : 'ies'}; ${startedBefore} had started before the cancel).`,
    refused === after.length
      ? `Every one of them carried an already-aborted signal, so the service refused it at once, but each was still made: a real client may open a connection or send the request before it looks at the signal.`
      : `${after.length - refused} of them even started running; ${refused} carried an already-aborted signal and were refused at once.`,
    '-> queued calls never start once the batch is cancelled: check the batch signal before each queued call, at the start of the',
    '   limited function (`signal.throwIfAborted()`), so a request that gets its connection after the cancel gives up without calling.',
  );
}

/** A call still running (or that ran) well past its timeout: the timeout gave up waiting, but nobody aborted it. */
function ranPastTimeout(call: Interval, io: SimulatedIo, timeoutMs: number): boolean {
  return (call.end ?? io.timeline.now()) - call.start > timeoutMs + 0.5;
}
const UNABORTED_TIMEOUT = [
  '-> the timeout gave up waiting for the call, but nobody aborted it: it runs on, holding its connection (and a limiter that was told the',
  '   call is over gives that connection to the next query, beside the one still running). Give each call an AbortSignal and abort it',
  '   when its timer fires: `controller.abort(new TimeoutError(timeoutMs))`, the call made with `controller.signal` (or AbortSignal.any).',
];
/** The "limit did not hold" report, with the cause when it shows: queries that timed out and ran on. */
function limitBroken(db: SimulatedIo, maxQueries: number, timeoutMs: number, drawing: string): never {
  const ranOn = queriesOf(db).filter((q) => ranPastTimeout(q, db, timeoutMs));
  fail(
    `Up to ${db.inFlight.peak} database queries ran at once, on ${maxQueries} connection${maxQueries === 1 ? '' : 's'}: the limit did not hold once calls failed or timed out.`,
    drawing,
    ...(ranOn.length > 0
      ? [`${ranOn.length} quer${ranOn.length === 1 ? 'y' : 'ies'} ran past the ${ms(timeoutMs)} timeout ("${ranOn[0]?.label}", started at ${ms(ranOn[0]?.start ?? 0)}, ${ranOn[0]?.end === undefined ? 'still running' : `until ${ms(ranOn[0].end)}`}).`, ...UNABORTED_TIMEOUT]
      : []),
  );
}

/**
 * A request that timed out although its query ran less than its timeout: the clock started while it
 * waited for a connection. Says so in those words, before any other test blames something else.
 */
function expectTimeoutsFromCallStart(outcomes: readonly ProfileOutcome[], db: SimulatedIo, timeoutMs: number, maxQueries: number, cdn?: SimulatedIo): void {
  for (const outcome of outcomes) {
    if (outcome.ok || !(outcome.reason instanceof TimeoutError)) continue;
    const query = db.timeline.intervals.find((i) => i.label === `user ${outcome.userId}`);
    if (query && ranPastTimeout(query, db, timeoutMs)) {
      fail(
        `User ${outcome.userId}'s request failed with a TimeoutError, but its database query ("${query.label}", started at ${ms(query.start)}) was never stopped: ${query.end === undefined ? `it was still running ${ms(db.timeline.now() - query.start)} after it started` : `it ran ${ms(query.end - query.start)} and ended ${query.outcome ?? 'on its own'}`}, past its ${ms(timeoutMs)} timeout.`,
        ...UNABORTED_TIMEOUT,
        poolReport(db, maxQueries),
      );
    }
    const ran = query ? (query.end ?? query.start) - query.start : 0;
    if (query && ran >= timeoutMs - 0.5) continue;
    const ranText = query ? `ran only ${ms(ran)} (it started at ${ms(query.start)}${query.start > 0 ? ', after waiting that long for a free connection' : ''})` : 'never even started';
    // Whose timeout was it? The very TimeoutError object that stopped another call (its picture, say) means one controller for both.
    const owner = [...(cdn?.abortedWith ?? []), ...db.abortedWith].find(([label, reason]) => reason === outcome.reason && label !== `user ${outcome.userId}`);
    if (owner) {
      const [label] = owner;
      const other = [...(cdn?.timeline.intervals ?? []), ...db.timeline.intervals].find((i) => i.label === label);
      fail(
        `User ${outcome.userId}'s request failed with a TimeoutError, but its database query ${ranText}; the timeout is ${ms(timeoutMs)}.`,
        `That TimeoutError is the very one that stopped "${label}"${other ? ` (which started at ${ms(other.start)} and was aborted at ${ms(other.end ?? 0)}, ${ms((other.end ?? 0) - other.start)} later)` : ''}: a call aborted by another call's timeout.`,
        '-> The two calls share one AbortController, so the first deadline to fire aborts both. Give each call its own controller and',
        '   timer (a helper that makes them, inside the limited function), combined with the batch signal: `AbortSignal.any([batch, own.signal])`.',
        poolReport(db, maxQueries),
        ...(cdn ? [`The pictures:\n${cdn.draw()}`] : []),
      );
    }
    fail(
      `User ${outcome.userId}'s request failed with a TimeoutError, but its database query ${query ? ranText : 'never even started: it was still waiting for a connection'}; the timeout is ${ms(timeoutMs)}.`,
      '-> the wait for a connection ate the timeout: its clock started when the request was queued, not when the query started.',
      '   Start the timer inside the limited function, when the call really starts: `limit(() => withTimeout(...))`.',
      poolReport(db, maxQueries),
    );
  }
}

/**
 * A limit that does not follow maxQueries: the batch just judged ran `peak` queries at once, not
 * `maxQueries`. Two probes on fresh databases tell why (on the fake clock, deterministic): one batch with
 * another pool size (does the limit follow it?), then two batches at once (do they share one limiter?).
 * A limiter made once and kept (module level, `??=`) keeps an earlier call's size and is shared by every
 * batch; a limit written into the code is the same for every call but not shared. Returns quietly when the
 * limit follows maxQueries (another check then says what went wrong), or when it stayed under maxQueries
 * without being shared (the "sat idle" check says that).
 */
async function expectLimitFromPoolSize(fn: 'getProfiles' | 'getProfilesSafely', db: SimulatedIo, maxQueries: number, users: number): Promise<void> {
  const peak = db.inFlight.peak;
  if (peak === Math.min(users, maxQueries) || peak === 0) return;
  const earlier = sizesAsked.slice(0, -1);
  const PROBE_USERS = 24;
  const [sizeA, sizeB] = [2, 3, 5, 6, 7].filter((n) => n !== maxQueries) as [number, number];
  const run = (services: ProfileServices, ids: readonly number[], size: number): Promise<unknown> =>
    fn === 'getProfiles' ? getProfilesUnderTest(ids, services, size) : getProfilesSafelyUnderTest(ids, services, { maxQueries: size, timeoutMs: 10 * LATENCY });
  const probe = async (sizes: readonly number[]) => {
    const { db: probeDb, services } = world();
    const batches = sizes.map((size, k) => track(run(services, range(PROBE_USERS).map((i) => 1000 * (k + 1) + i), size)));
    await runUntilIdle(60_000);
    return { peak: probeDb.inFlight.peak, settled: batches.every((b) => b.settled), db: probeDb };
  };
  const alone = await probe([sizeA]);
  const flood = alone.peak > sizeA ? floodAfterRelease(alone.db, sizeA) : undefined;
  if (flood) {
    fail(
      `${fn} had ${peak} database queries in flight at once, on a database with ${maxQueries} connection${maxQueries === 1 ? '' : 's'}: its limit held at first, then let the waiting queries through all at once.`,
      poolReport(db, maxQueries),
      `Called again with ${sizeA} connections (${PROBE_USERS} users), it started ${sizeA} queries at 0 ms, as it should; at ${ms(flood.atMs)} ${flood.ended} quer${flood.ended === 1 ? 'y' : 'ies'} ended and ${flood.started} started at that same moment: ${flood.ended === 1 ? 'one connection' : `${flood.ended} connections`} came free, and ${flood.started} waiting queries took ${flood.ended === 1 ? 'it' : 'them'}.`,
      '-> one release woke every waiting query, and none of them looked again: a waiter that wakes up must check once more that a connection',
      '   is free before it takes one (`while (running >= max) await ...`, not `if`), or the release hands its connection to exactly one waiter,',
      '   the oldest. (p-limit does that: `pLimit(maxQueries)`.)',
    );
  }
  // The limit follows the size it is given (another check says what went wrong), or there is no limit at all.
  if (!alone.settled || alone.peak === sizeA || alone.peak >= PROBE_USERS) return;
  const together = await probe([sizeA, sizeB]);
  const shared = together.peak === alone.peak;
  const limit = alone.peak;
  // The limit follows the size it is given, off by the same amount each time: the limiter's guard, not its size.
  const off = peak - maxQueries;
  if (!shared && off !== 0 && limit - sizeA === off) {
    const more = off > 0;
    const n = Math.abs(off);
    fail(
      `${fn} had ${peak} database quer${peak === 1 ? 'y' : 'ies'} in flight at once, on a database with ${maxQueries} connection${maxQueries === 1 ? '' : 's'}: ${n === 1 ? 'one' : n} ${more ? 'more' : 'fewer'} than the pool size.`,
      poolReport(db, maxQueries),
      `Called again with ${sizeA} connections (${PROBE_USERS} users), it ran ${limit} at once: ${n === 1 ? 'one' : n} ${more ? 'more' : 'fewer'} again. The limit follows maxQueries, off by ${n === 1 ? 'one' : n} every time.`,
      more
        ? '-> look at the limiter\'s guard: `running <= max` lets a call through when max are already running; a call may start only while `running < max`.'
        : '-> look at the limiter\'s guard and its count: a call may start while `running < max`, and a limiter made with `maxQueries - 1` (or counting a call twice) keeps a connection idle.',
      '   (p-limit gets this right: `pLimit(maxQueries)`.)',
    );
  }
  if (!shared && peak < maxQueries) return;
  fail(
    peak > maxQueries
      ? `${fn} had ${peak} database queries in flight at once, on a database with ${maxQueries} connection${maxQueries === 1 ? '' : 's'}: a limit holds its queries, but not to the pool size it is given.`
      : `${fn} never had more than ${peak} database quer${peak === 1 ? 'y' : 'ies'} in flight, but it was given a pool of ${maxQueries} connections: a limit holds its queries, but not to the pool size it is given.`,
    poolReport(db, maxQueries),
    `Called again with ${sizeA} connections (${PROBE_USERS} users), it ran ${limit} queries at once, not ${sizeA}.`,
    ...(shared
      ? [
          `Two batches at once (maxQueries ${sizeA} and ${sizeB}) ran ${together.peak} queries at once between them: they share one limiter.`,
          ...(earlier.includes(limit) ? [`${limit} is the pool size an earlier call asked for (maxQueries: ${limit}).`] : []),
          '-> The limiter was made once, by an earlier call, and kept (at module level, say: `pool ??= pLimit(maxQueries)`): every later batch',
          '   gets that call\'s size, whatever maxQueries it is given, and waits for the other batches\' queries too. Make the limiter inside the',
          `   function, one per batch: \`const limit = pLimit(maxQueries)\` at the top of ${fn}, shared by that batch's requests only.`,
        ]
      : [
          `Two batches at once ran ${together.peak} queries between them: each call has a limiter of its own, but its size is written into the code.`,
          '-> Give the limiter the pool size the call is given: `pLimit(maxQueries)`.',
        ]),
  );
}

/**
 * A limiter that held at first (exactly `size` queries at 0 ms) and then, the moment some queries ended, let more
 * start than had ended: one release woke every waiter. The first such moment, or undefined.
 */
function floodAfterRelease(db: SimulatedIo, size: number): { atMs: number; ended: number; started: number } | undefined {
  const queries = db.timeline.intervals;
  if (queries.filter((q) => q.start === 0).length !== size) return undefined;
  const ends = [...new Set(queries.map((q) => q.end).filter((end): end is number => end !== undefined))].sort((a, b) => a - b);
  for (const atMs of ends) {
    const ended = queries.filter((q) => q.end === atMs).length;
    const started = queries.filter((q) => q.start === atMs).length;
    if (started > ended) return { atMs, ended, started };
  }
  return undefined;
}

/** How the database was used: the peak, and a drawing of the first queries. */
function poolReport(db: SimulatedIo, maxQueries = 10): string {
  return `${db.inFlight.total} quer${db.inFlight.total === 1 ? 'y' : 'ies'}, at most ${db.inFlight.peak} at once (pool: ${maxQueries} connection${maxQueries === 1 ? '' : 's'}). The first queries:\n${db.draw()}`;
}
