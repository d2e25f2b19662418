// A long-lived vitest instance for watch mode: the module graph stays warm, so a save reruns only the
// affected test file within a fraction of a second. Vitest's own watcher triggers the reruns; we only
// narrow them to the exercise in focus. In manual mode nothing is watched and `rerun` does the work.
// The steps run in order and stop at the first that fails: the learner sees the step in front of them
// first. The process pool keeps the next test process booted, and its watchdog ends one that hangs.
import type { Vitest } from 'vitest/node';
import type { Exercise } from '../exercises.ts';
import type { ExerciseReport } from '../grade.ts';
import { kataPool, type KataPool } from '../kata-pool.ts';
import { Collector, createKataVitest, testFilesOf } from '../runner.ts';
import { isInside, isTestFile } from '../paths.ts';
import type { Target } from '../target.ts';

const TARGET: Target = { kind: 'exercises' };

export interface SessionEvents {
  onRunStart(): void;
  /** Reports for every exercise whose tests ran in this run. */
  onRunEnd(reports: ExerciseReport[]): void;
}

export class WatchSession {
  private focus: Exercise | undefined;

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
    const vitest = await createKataVitest([{ name: 'exercises', target: TARGET, shared: false }], collector, { watch: !manual, pool, stepFirst: true });
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
    // Reruns on save are limited to the exercise in focus: editing a later exercise early does not
    // distract from the current one.
    vitest.onFilterWatchedSpecification((spec) => session.focus !== undefined && isInside(spec.moduleId, session.focus.dir));
    // A deleted test file reruns nothing by itself: the verdict on screen would stay, and lie.
    vitest.vite.watcher.on('unlink', (file) => {
      if (session.focus && isTestFile(file) && isInside(file, session.focus.dir)) session.run([session.focus]).catch(() => undefined);
    });
    return session;
  }

  setFocus(exercise: Exercise): void {
    this.focus = exercise;
  }

  /** Runs the given exercises now (the focused one by default). */
  async run(exercises: readonly Exercise[] = this.focus ? [this.focus] : []): Promise<void> {
    if (this.manual) {
      // Without a watcher nothing invalidates changed files: do it before every run.
      for (const exercise of exercises) for (const file of exercise.files) this.vitest.invalidateFile(`${exercise.dir}/${file}`);
    }
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
    this.pool.killAll();
    this.pool.dispose();
    await this.vitest.close();
  }
}
