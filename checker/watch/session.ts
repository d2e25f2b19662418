// A long-lived vitest instance for watch mode: the module graph stays warm, so a save reruns only the
// affected test file within a fraction of a second. Vitest's own watcher triggers the reruns; we only
// narrow them to the exercise in focus. In manual mode nothing is watched and `rerun` does the work.
import type { Vitest } from 'vitest/node';
import type { Exercise } from '../exercises.ts';
import type { ExerciseReport } from '../grade.ts';
import { Collector, createKataVitest, isInside } from '../runner.ts';
import { formatTarget, type Target } from '../target.ts';
import { warmForks, type WarmForks } from './warm-forks.ts';

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
    private readonly pool: WarmForks,
  ) {}

  static async start(exercises: readonly Exercise[], events: SessionEvents, manual: boolean): Promise<WatchSession> {
    const collector = new Collector();
    // The next test process boots while the learner reads a verdict: a save reruns without that wait.
    const pool = warmForks();
    const vitest = await createKataVitest([{ target: TARGET }], collector, !manual, pool);
    const session = new WatchSession(vitest, manual, pool);
    const onStart = collector.onTestRunStart.bind(collector);
    collector.onTestRunStart = () => {
      onStart();
      events.onRunStart();
    };
    collector.onRunEnd = (modules) => {
      const ran = exercises.filter((exercise) => modules.some((module) => isInside(module.moduleId, exercise.dir)));
      events.onRunEnd(ran.map((exercise) => collector.report(formatTarget(TARGET), exercise)));
    };
    // Reruns on save are limited to the exercise in focus: editing a later exercise early does not
    // distract from the current one.
    vitest.onFilterWatchedSpecification((spec) => session.focus !== undefined && isInside(spec.moduleId, session.focus.dir));
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
    const specs = (await this.vitest.globTestSpecifications()).filter((spec) =>
      exercises.some((exercise) => isInside(spec.moduleId, exercise.dir)),
    );
    await this.vitest.runTestSpecifications(specs, false);
  }

  async close(): Promise<void> {
    this.pool.dispose();
    await this.vitest.close();
  }

}
