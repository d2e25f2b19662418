// A lock arena: several threads (and the main thread) contend for one lock built on shared memory,
// and a monitor in shared memory sees every entry and exit as it happens, on whichever thread:
// - never two holders: an entry while somebody is still inside is recorded (who, while whom, when);
// - nobody left behind: a party that waits while the lock is free and nothing moves any more is stuck
//   (a lost wake-up), and the arena says who, since when, and what the lock word held.
// Worker parties run in the arena's own threads (lock-arena.worker.ts): they build the lock from the
// module under test and run rounds of lock(), hold, unlock(); three rounds in four they ask again at once,
// the way a loop does, which is the moment a lock that takes a wake-up for a grant breaks.
//
//   const arena = new LockArena(['main thread', 'thread A', 'thread B']);
//   const contenders = await ArenaThreads.start(2);
//   const runs = contenders.run(arena, [1, 2], { module, exportName: 'AtomicsMutex', args: [words, 0], rounds: 40, holdMs: 1, gapMs: 1 });
//   ... the main thread's own rounds: arena.ask(0); await lock; arena.enter(0); ...; arena.exit(0); unlock
//   const outcome = await arena.settle([mainRounds, ...runs], { stallMs: 3_000 });
//
// Real timers only (worker threads never see fake ones).
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { tsxExecArgv } from './parallel.ts';
import { drawTimeline, type Interval } from '../time/timeline.ts';

/** What a party is doing: not yet started, waiting for the lock, holding it, between rounds, finished. */
export type PartyState = 'idle' | 'asking' | 'holding' | 'between' | 'done';
const STATES: readonly PartyState[] = ['idle', 'asking', 'holding', 'between', 'done'];

// Int32 cells.
const INSIDE = 0;
const HOLDER = 1; // party + 1, or 0
const VIOLATIONS = 2;
const FIRST_ENTRANT = 3; // party + 1
const FIRST_HOLDER = 4; // party + 1
const STOP = 5;
const EVENTS = 6; // events written so far
const PARTY_CELLS = 8; // per party: state, rounds done
// Float64 cells.
const FIRST_AT = 0;
const PARTY_TIMES = 1; // per party: since when in its state
const EVENT_KINDS = ['asks', 'enters', 'exits'] as const;
const EVENT_CAPACITY = 4096;

export interface ArenaShared {
  labels: string[];
  cells: Int32Array;
  times: Float64Array;
  events: Float64Array;
}

export interface ArenaViolation {
  entrant: string;
  holder: string;
  /** Ms since the arena began. */
  atMs: number;
}

export interface PartyReport {
  label: string;
  state: PartyState;
  /** Ms since the arena began. */
  sinceMs: number;
  rounds: number;
}

export interface ArenaOutcome {
  /** Every party finished its rounds. */
  finished: boolean;
  /** Nothing moved for `stallMs` while some party had not finished. */
  stalled: boolean;
  violations: number;
  first?: ArenaViolation;
  parties: PartyReport[];
  /** The first error a party reported (its lock threw, or the module had no such export). */
  error?: { label: string; message: string };
  elapsedMs: number;
}

const now = () => performance.timeOrigin + performance.now();

export class LockArena {
  readonly shared: ArenaShared;
  private readonly startedAt: number;

  constructor(labelsOrShared: string[] | ArenaShared) {
    if (Array.isArray(labelsOrShared)) {
      const labels = labelsOrShared;
      this.shared = {
        labels,
        cells: new Int32Array(new SharedArrayBuffer((PARTY_CELLS + 2 * labels.length) * 4)),
        times: new Float64Array(new SharedArrayBuffer((PARTY_TIMES + labels.length + 1) * 8)),
        events: new Float64Array(new SharedArrayBuffer(EVENT_CAPACITY * 3 * 8)),
      };
      const t = now();
      this.shared.times[PARTY_TIMES + labels.length] = t; // the arena's origin
      for (let p = 0; p < labels.length; p++) this.shared.times[PARTY_TIMES + p] = t;
    } else {
      this.shared = labelsOrShared;
    }
    this.startedAt = this.shared.times[PARTY_TIMES + this.shared.labels.length]!;
  }

  get labels(): readonly string[] {
    return this.shared.labels;
  }

  private log(party: number, kind: number, at: number): void {
    const slot = Atomics.add(this.shared.cells, EVENTS, 1);
    if (slot >= EVENT_CAPACITY) return;
    this.shared.events[slot * 3] = at;
    this.shared.events[slot * 3 + 1] = party;
    this.shared.events[slot * 3 + 2] = kind;
  }

  private setState(party: number, state: PartyState, at = now()): void {
    this.shared.times[PARTY_TIMES + party] = at;
    Atomics.store(this.shared.cells, PARTY_CELLS + 2 * party, STATES.indexOf(state));
  }

  /** The party is about to call lock(). */
  ask(party: number): void {
    const at = now();
    this.setState(party, 'asking', at);
    this.log(party, 0, at);
  }

  /** The party's lock() returned: it holds the lock now. Records a second holder as it happens. */
  enter(party: number): void {
    const at = now();
    const before = Atomics.add(this.shared.cells, INSIDE, 1);
    const previous = Atomics.exchange(this.shared.cells, HOLDER, party + 1);
    if (before > 0) {
      Atomics.add(this.shared.cells, VIOLATIONS, 1);
      if (Atomics.compareExchange(this.shared.cells, FIRST_ENTRANT, 0, party + 1) === 0) {
        this.shared.times[FIRST_AT] = at;
        Atomics.store(this.shared.cells, FIRST_HOLDER, previous);
      }
    }
    this.setState(party, 'holding', at);
    this.log(party, 1, at);
  }

  /** The party is about to call unlock(). */
  exit(party: number): void {
    const at = now();
    this.log(party, 2, at);
    Atomics.add(this.shared.cells, PARTY_CELLS + 2 * party + 1, 1);
    this.setState(party, 'between', at);
    Atomics.compareExchange(this.shared.cells, HOLDER, party + 1, 0);
    Atomics.sub(this.shared.cells, INSIDE, 1);
  }

  /** The party has finished its rounds. */
  done(party: number): void {
    this.setState(party, 'done');
  }

  /** Tells every party to stop after its current round. */
  stop(): void {
    Atomics.store(this.shared.cells, STOP, 1);
  }

  get stopped(): boolean {
    return Atomics.load(this.shared.cells, STOP) === 1;
  }

  /** Ms since the arena began. */
  sinceStart(at = now()): number {
    return at - this.startedAt;
  }

  parties(): PartyReport[] {
    return this.shared.labels.map((label, p) => ({
      label,
      state: STATES[Atomics.load(this.shared.cells, PARTY_CELLS + 2 * p)] ?? 'idle',
      sinceMs: this.sinceStart(this.shared.times[PARTY_TIMES + p]),
      rounds: Atomics.load(this.shared.cells, PARTY_CELLS + 2 * p + 1),
    }));
  }

  get violations(): number {
    return Atomics.load(this.shared.cells, VIOLATIONS);
  }

  first(): ArenaViolation | undefined {
    const entrant = Atomics.load(this.shared.cells, FIRST_ENTRANT);
    if (entrant === 0) return undefined;
    const holder = Atomics.load(this.shared.cells, FIRST_HOLDER);
    return {
      entrant: this.shared.labels[entrant - 1] ?? '?',
      holder: holder === 0 ? 'someone' : (this.shared.labels[holder - 1] ?? '?'),
      atMs: this.sinceStart(this.shared.times[FIRST_AT]),
    };
  }

  /** How many entries, exits and asks have been seen: progress. */
  get eventCount(): number {
    return Atomics.load(this.shared.cells, EVENTS);
  }

  /**
   * Who held the lock (and who waited) from `fromMs` to `toMs` after the arena began, as timeline rows
   * ("A holds", "main waits"), with times from `fromMs`.
   */
  draw(fromMs: number, toMs: number, options: { maxRows?: number; holdsOnly?: boolean } = {}): string {
    const { maxRows = 12, holdsOnly = false } = options;
    const count = Math.min(this.eventCount, EVENT_CAPACITY);
    const open = new Map<string, number>();
    const intervals: Interval[] = [];
    const events = Array.from({ length: count }, (_, i) => ({
      at: this.sinceStart(this.shared.events[i * 3]),
      party: this.shared.events[i * 3 + 1]!,
      kind: EVENT_KINDS[this.shared.events[i * 3 + 2]!]!,
    })).sort((a, b) => a.at - b.at);
    const close = (key: string, at: number) => {
      const start = open.get(key);
      if (start === undefined) return;
      open.delete(key);
      if (at >= fromMs && start <= toMs) intervals.push({ label: key, start: Math.max(start, fromMs) - fromMs, end: Math.min(at, toMs) - fromMs });
    };
    for (const { at, party, kind } of events) {
      // Short row names: "main thread" draws as "main", "thread A" as "A".
      const name = (this.shared.labels[party] ?? '?').replace(/^thread /, '').replace(/ thread$/, '');
      if (kind === 'asks') open.set(`${name} waits`, at);
      else if (kind === 'enters') {
        close(`${name} waits`, at);
        open.set(`${name} holds`, at);
      } else close(`${name} holds`, at);
    }
    for (const [key, start] of open) if (start <= toMs) intervals.push({ label: key, start: Math.max(start, fromMs) - fromMs });
    intervals.sort((a, b) => a.start - b.start);
    if (holdsOnly) return drawTimeline(intervals.filter((i) => i.label.endsWith(' holds')), { now: toMs - fromMs, width: 40, maxRows });
    return drawTimeline(intervals, { now: toMs - fromMs, width: 40, maxRows });
  }

  /**
   * Runs a party's rounds on this thread (the main thread): `lock()` is awaited, the lock is held across
   * a timer of `holdMs` (other tasks and threads run meanwhile), then `unlock()`, then a timer of `gapMs`
   * (if given) before the next round. Resolves with its error, if any.
   */
  async runHere(
    party: number,
    options: { rounds: number; holdMs: number; gapMs?: number; lock: () => Promise<void>; unlock: () => void; lockName?: string },
  ): Promise<{ label: string; error?: string }> {
    const label = this.shared.labels[party] ?? `party ${party}`;
    let calling = options.lockName ?? 'lock';
    try {
      for (let round = 0; round < options.rounds && !this.stopped; round++) {
        this.ask(party);
        calling = options.lockName ?? 'lock';
        await options.lock();
        if (this.stopped) break;
        this.enter(party);
        await new Promise((resolve) => setTimeout(resolve, options.holdMs));
        this.exit(party);
        calling = 'unlock';
        options.unlock();
        // A pause before asking again, so that the others take the lock meanwhile and this party has to wait for it.
        if (options.gapMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
      }
    } catch (error) {
      return { label, error: `${calling}() threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
    }
    if (!this.stopped) this.done(party);
    return { label };
  }

  /**
   * Waits until every run has settled, or until nothing has moved (no ask, entry or exit) for `stallMs`
   * while some party has not finished. Each run resolves with an error message, or undefined.
   */
  async settle(runs: Promise<{ label: string; error?: string } | undefined>[], options: { stallMs: number; limitMs?: number }): Promise<ArenaOutcome> {
    const started = now();
    let settled = false;
    let error: ArenaOutcome['error'];
    const all = Promise.all(
      runs.map((run) =>
        run.then((result) => {
          if (result?.error !== undefined && !error) error = { label: result.label, message: result.error };
        }),
      ),
    ).then(() => {
      settled = true;
    });
    let lastCount = -1;
    let lastMove = now();
    const limit = options.limitMs ?? 30_000;
    while (!settled) {
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 25))]);
      const count = this.eventCount;
      if (count !== lastCount) {
        lastCount = count;
        lastMove = now();
      }
      if (error) break;
      if (!settled && (now() - lastMove > options.stallMs || now() - started > limit)) break;
    }
    const outcome: ArenaOutcome = {
      finished: settled && !error,
      stalled: !settled && !error,
      violations: this.violations,
      parties: this.parties(),
      elapsedMs: now() - started,
    };
    const first = this.first();
    if (first) outcome.first = first;
    if (error) outcome.error = error;
    return outcome;
  }
}

/** One worker party's share: build the lock, then rounds of lock(), hold, unlock(). */
export interface ContenderTask {
  /** Absolute path of the module to load, already redirected to the current target. */
  module: string;
  exportName: string;
  args: unknown[];
  arena: ArenaShared;
  party: number;
  rounds: number;
  /** How long each round holds the lock (the thread sleeps inside). */
  holdMs: number;
  /** The pause after every second round; the round before it asks again at once. */
  gapMs: number;
  lockMethod?: string;
  unlockMethod?: string;
}

/** The arena's worker threads. */
export class ArenaThreads {
  private readonly controllers = new Set<AbortController>();

  private constructor(private readonly pool: Piscina) {}

  static async start(threads: number): Promise<ArenaThreads> {
    const execArgv = tsxExecArgv();
    const pool = new Piscina({
      filename: new URL('./lock-arena.worker.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      ...(execArgv ? { execArgv } : {}),
    });
    // Warm every thread up: a cold TypeScript worker takes ~200 ms to start.
    await Promise.all(Array.from({ length: threads }, () => pool.run({ warmUp: fileURLToPath(import.meta.url) })));
    return new ArenaThreads(pool);
  }

  /** Starts one contender per party (on its own thread); each resolves with its error, if any. */
  run(arena: LockArena, parties: number[], task: Omit<ContenderTask, 'arena' | 'party'>): Promise<{ label: string; error?: string }>[] {
    return parties.map((party) => {
      const controller = new AbortController();
      this.controllers.add(controller);
      const label = arena.labels[party] ?? `party ${party}`;
      return (this.pool.run({ ...task, arena: arena.shared, party } satisfies ContenderTask, { signal: controller.signal }) as Promise<{ error?: string }>)
        .then(
          (result) => ({ label, ...(result.error === undefined ? {} : { error: result.error }) }),
          (thrown: unknown) => (controller.signal.aborted ? { label } : { label, error: thrown instanceof Error ? thrown.message : String(thrown) }),
        )
        .finally(() => this.controllers.delete(controller));
    });
  }

  /** Ends every contender still running (its thread is terminated and replaced). */
  abortAll(): void {
    for (const controller of this.controllers) controller.abort();
  }

  async close(): Promise<void> {
    this.abortAll();
    await this.pool.destroy();
  }
}
