// The room in memory, rebuilt from its log on every start: who joined, each learner's latest verdict
// per exercise, and what the page shows (the grid, who is stuck, the most common failing test per
// step). Pure: no network, no disk, no clock of its own, so the page's logic is tested as plain code.
import type { LogRecord } from './log-store.ts';
import { nameKey, type VerdictEvent } from './protocol.ts';

const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** How much older than the verdict shown a later-delivered one must be to count as out of order. */
const OUT_OF_ORDER_MS = 2000;

export interface ExerciseInfo {
  id: string;
  title: string;
  /** Step titles, in order. */
  steps: string[];
}

interface Cell {
  event: VerdictEvent;
  /** When the verdict was reached (the room's clock, less the time it waited in the learner's buffer). */
  at: number;
  /** Since when the learner has been on this step. */
  stepSince: number;
  verdicts: number;
}

interface Learner {
  id: number;
  name: string;
  tokenHash: string;
  joinedAt: number;
  lastAt: number | undefined;
  /** The exercise of the latest verdict: the one the learner works on. */
  current: string | undefined;
  cells: Map<string, Cell>;
  /** Event ids already recorded: a retried post counts once. */
  seen: Set<string>;
}

export interface CellView {
  status: VerdictEvent['status'];
  stepsPassed: number;
  steps: number;
  step: number | null;
  testsPassed: number;
  tests: number;
  failingTest: string | null;
  hints: number;
  solution: VerdictEvent['solution'];
  at: number;
  stepSince: number;
  verdicts: number;
}

export interface LearnerView {
  id: number;
  name: string;
  joinedAt: number;
  lastAt: number | null;
  current: string | null;
  /** Exercises passed. */
  done: number;
  stuck: boolean;
  cells: Record<string, CellView>;
}

export interface StuckView {
  learner: number;
  name: string;
  exercise: string;
  step: number;
  since: number;
  failingTest: string | null;
}

export interface CommonFailureView {
  exercise: string;
  step: number;
  /** The most common failing test on this step; null: the file does not load or run. */
  test: string | null;
  /** Learners failing that test. */
  count: number;
  /** Learners on this step. */
  onStep: number;
}

export interface RoomView {
  now: number;
  stuckAfterMs: number;
  exercises: ExerciseInfo[];
  learners: LearnerView[];
  stuck: StuckView[];
  common: CommonFailureView[];
}

export interface HistoryEntry {
  learner: number;
  at: number;
  event: VerdictEvent;
}

export class RoomState {
  room: { code: string; key: string; createdAt: number } | undefined;
  private readonly learners = new Map<number, Learner>();
  private readonly byName = new Map<string, Learner>();
  private readonly byToken = new Map<string, Learner>();
  readonly history: HistoryEntry[] = [];

  constructor(
    readonly exercises: readonly ExerciseInfo[],
    readonly stuckAfterMs: number,
  ) {}

  apply(record: LogRecord): void {
    switch (record.type) {
      case 'room':
        this.room ??= { code: record.code, key: record.key, createdAt: record.createdAt };
        break;
      case 'join': {
        if (this.learners.has(record.learner)) break;
        const learner: Learner = {
          id: record.learner,
          name: record.name,
          tokenHash: record.tokenHash,
          joinedAt: record.at,
          lastAt: undefined,
          current: undefined,
          cells: new Map(),
          seen: new Set(),
        };
        this.learners.set(learner.id, learner);
        this.byName.set(nameKey(learner.name), learner);
        this.byToken.set(learner.tokenHash, learner);
        break;
      }
      case 'verdict':
        this.applyVerdict(record.learner, record.at, record.event);
        break;
    }
  }

  get learnerCount(): number {
    return this.learners.size;
  }

  nextLearnerId(): number {
    return this.learners.size + 1;
  }

  learnerByNameKey(key: string): { id: number; name: string; tokenHash: string } | undefined {
    return this.byName.get(key);
  }

  learnerByTokenHash(hash: string): { id: number; name: string } | undefined {
    return this.byToken.get(hash);
  }

  isDuplicate(learner: number, eventId: string): boolean {
    return this.learners.get(learner)?.seen.has(eventId) ?? false;
  }

  /** Whether the room can place this event: an exercise it has, a step it has, counts that add up. */
  placeable(event: VerdictEvent): boolean {
    const exercise = this.exercises.find((candidate) => candidate.id === event.exercise);
    if (!exercise) return false;
    const steps = exercise.steps.length;
    if (event.testsPassed > event.tests || event.stepsPassed > steps) return false;
    if (event.status === 'passed') return event.step === null;
    return event.step !== null && event.step <= steps && event.step === event.stepsPassed + 1;
  }

  private applyVerdict(id: number, at: number, event: VerdictEvent): void {
    const learner = this.learners.get(id);
    if (!learner || learner.seen.has(event.id)) return;
    learner.seen.add(event.id);
    this.history.push({ learner: id, at, event });
    const previous = learner.cells.get(event.exercise);
    // One checker delivers in order (its batches may differ by milliseconds in transit: arrival order
    // wins). Two checkers under one name can deliver a verdict much older than the one shown: that
    // one is history, not the learner's state.
    if (previous && previous.at - at > OUT_OF_ORDER_MS) {
      previous.verdicts++;
      return;
    }
    const stepSince = event.status === 'passed' ? at : at - event.stepSeconds * 1000;
    learner.cells.set(event.exercise, { event, at, stepSince, verdicts: (previous?.verdicts ?? 0) + 1 });
    if (learner.lastAt === undefined || at >= learner.lastAt) {
      learner.lastAt = at;
      learner.current = event.exercise;
    }
  }

  private stuckOf(learner: Learner, now: number): Cell | undefined {
    const cell = learner.current ? learner.cells.get(learner.current) : undefined;
    if (!cell || cell.event.status === 'passed') return undefined;
    return now - cell.stepSince >= this.stuckAfterMs ? cell : undefined;
  }

  /** When the next learner becomes stuck if nothing else happens: the page is told then. */
  nextStuckAt(now: number): number | undefined {
    let next: number | undefined;
    for (const learner of this.learners.values()) {
      const cell = learner.current ? learner.cells.get(learner.current) : undefined;
      if (!cell || cell.event.status === 'passed') continue;
      const at = cell.stepSince + this.stuckAfterMs;
      if (at > now && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  view(now: number): RoomView {
    // By name, the way a facilitator looks someone up (numbers in names sort as numbers).
    const learners = [...this.learners.values()].sort((a, b) => byName.compare(a.name, b.name) || a.id - b.id);
    const stuck: StuckView[] = [];
    const views = learners.map((learner): LearnerView => {
      const cells: Record<string, CellView> = {};
      for (const [exercise, cell] of learner.cells) cells[exercise] = this.cellView(exercise, cell);
      const stuckCell = this.stuckOf(learner, now);
      if (stuckCell) {
        stuck.push({
          learner: learner.id,
          name: learner.name,
          exercise: stuckCell.event.exercise,
          step: stuckCell.event.step ?? 1,
          since: stuckCell.stepSince,
          failingTest: stuckCell.event.failingTest,
        });
      }
      return {
        id: learner.id,
        name: learner.name,
        joinedAt: learner.joinedAt,
        lastAt: learner.lastAt ?? null,
        current: learner.current ?? null,
        done: [...learner.cells.values()].filter((cell) => cell.event.status === 'passed').length,
        stuck: stuckCell !== undefined,
        cells,
      };
    });
    stuck.sort((a, b) => a.since - b.since || a.learner - b.learner);
    return {
      now,
      stuckAfterMs: this.stuckAfterMs,
      exercises: this.exercises.map((exercise) => ({ ...exercise, steps: [...exercise.steps] })),
      learners: views,
      stuck,
      common: this.commonFailures(learners),
    };
  }

  private cellView(exercise: string, cell: Cell): CellView {
    const { event } = cell;
    return {
      status: event.status,
      stepsPassed: event.stepsPassed,
      steps: this.exercises.find((candidate) => candidate.id === exercise)?.steps.length ?? event.stepsPassed,
      step: event.step,
      testsPassed: event.testsPassed,
      tests: event.tests,
      failingTest: event.failingTest,
      hints: event.hints,
      solution: event.solution,
      at: cell.at,
      stepSince: cell.stepSince,
      verdicts: cell.verdicts,
    };
  }

  /** Per step with someone on it: the failing test most of them share, so it can be explained once. */
  private commonFailures(learners: readonly Learner[]): CommonFailureView[] {
    const groups = new Map<string, { exercise: string; step: number; tests: Map<string | null, number>; onStep: number }>();
    for (const learner of learners) {
      for (const cell of learner.cells.values()) {
        const { event } = cell;
        if (event.status === 'passed' || event.step === null) continue;
        const key = `${event.exercise}\0${event.step}`;
        const group = groups.get(key) ?? { exercise: event.exercise, step: event.step, tests: new Map(), onStep: 0 };
        group.onStep++;
        const test = event.status === 'error' ? null : event.failingTest;
        group.tests.set(test, (group.tests.get(test) ?? 0) + 1);
        groups.set(key, group);
      }
    }
    const order = (id: string) => this.exercises.findIndex((exercise) => exercise.id === id);
    return [...groups.values()]
      .map((group) => {
        const [test, count] = [...group.tests].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))[0] ?? [null, 0];
        return { exercise: group.exercise, step: group.step, test, count, onStep: group.onStep };
      })
      .sort((a, b) => b.count - a.count || b.onStep - a.onStep || order(a.exercise) - order(b.exercise) || a.step - b.step);
  }
}
