// A long-lived vitest instance for watch mode: the module graph stays warm, so a save reruns only the
// affected test file within a fraction of a second. Our own watcher (./saves.ts) triggers the reruns,
// of the exercise in focus only: editing a later exercise early does not distract from the current
// one. In manual mode nothing is watched and `run` does the work.
// The steps run in order and stop at the first that fails: the learner sees the step in front of them
// first. The process pool keeps the next test process booted, and its watchdog ends one that hangs.
import type { Vitest } from 'vitest/node';
import type { Exercise } from '../exercises.ts';
import type { ExerciseReport } from '../grading/grade.ts';
import { kataPool, type KataPool } from '../running/kata-pool.ts';
import { Collector, createKataVitest, testFilesOf } from '../running/runner.ts';
import { isInside } from '../paths.ts';
import type { Target } from '../running/target.ts';
import { watchSaves, type SaveWatch } from './saves.ts';

const TARGET: Target = { kind: 'exercises' };

export interface SessionEvents {
  onRunStart(): void;
  /** Reports for every exercise whose tests ran in this run. */
  onRunEnd(reports: ExerciseReport[]): void;
}

export class WatchSession {
  private focus: Exercise | undefined;
  private saves: SaveWatch | undefined;

  private constructor(
    private readonly vitest: Vitest,
    readonly manual: boolean,
    private readonly pool: KataPool,
    private readonly collector: Collector,
    private readonly events: SessionEvents,
  ) {}

  static async start(exercises: readonly Exercise[], events: SessionEvents, manual: boolean): Promise<WatchSession> {
    const pool = kataPool({ spare: true });
    const collector = new Collector(pool, { stepFirst: true });
    const vitest = await createKataVitest([{ name: 'exercises', target: TARGET, shared: false }], collector, { watch: false, pool, stepFirst: true });
    const session = new WatchSession(vitest, manual, pool, collector, events);
    const onStart = collector.onTestRunStart.bind(collector);
    collector.onTestRunStart = () => {
      onStart();
      events.onRunStart();
    };
    collector.onRunEnd = (modules) => {
      const ran = exercises.filter((exercise) => modules.some((module) => isInside(module.moduleId, exercise.dir)));
      events.onRunEnd(ran.map((exercise) => collector.report({ target: TARGET, exercises: [exercise] }, exercise)));
    };
    if (!manual) {
      // A deleted test file reruns too: the verdict on screen would otherwise stay, and lie.
      session.saves = watchSaves(
        exercises.map((exercise) => exercise.dir),
        (dir, files) => {
          if (session.focus?.dir === dir) session.run([session.focus], files).catch(() => undefined);
        },
      );
    }
    return session;
  }

  setFocus(exercise: Exercise): void {
    this.focus = exercise;
  }

  /** Runs the given exercises now (the focused one by default); `changed`: files a save changed. */
  async run(exercises: readonly Exercise[] = this.focus ? [this.focus] : [], changed: readonly string[] = []): Promise<void> {
    // Vitest watches nothing here: the files that may have changed are invalidated before every run.
    for (const exercise of exercises) for (const file of exercise.files) this.vitest.invalidateFile(`${exercise.dir}/${file}`);
    for (const file of changed) this.vitest.invalidateFile(file);
    const [project] = this.vitest.projects;
    if (!project) return;
    const files = exercises.map((exercise) => ({ exercise, tests: testFilesOf(exercise) }));
    const untested = files.filter(({ tests }) => tests.length === 0).map(({ exercise }) => exercise);
    if (untested.length > 0) this.events.onRunEnd(untested.map((exercise) => this.collector.report({ target: TARGET, exercises: [exercise] }, exercise)));
    const specs = files.flatMap(({ tests }) => tests.map((file) => project.createSpecification(file)));
    if (specs.length > 0) await this.vitest.runTestSpecifications(specs, false);
  }

  /** Ends every test process at once (the checker is quitting): nothing is left running. */
  killTestProcesses(): void {
    this.pool.killAll();
  }

  async close(): Promise<void> {
    this.saves?.close();
    this.pool.killAll();
    this.pool.dispose();
    await this.vitest.close();
  }
}
