// The vitest project that runs exercise tests against one target. The checker builds one per target
// it grades (stubs, solutions, each known-wrong variant) and vitest.config.ts builds the default one,
// so a bare `npx vitest` and the checker run the tests the same way.
import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { TARGET_ENV, formatTarget, targetSwitch, type Target } from './target.ts';

export const EXERCISE_TESTS = 'exercises/**/*.test.ts';

export interface KataProjectOptions {
  /** Run the steps of a test file in order and stop at the first that fails (`run`, watch mode). */
  stepFirst?: boolean;
}

export function kataProject(target: Target, name = formatTarget(target), options: KataProjectOptions = {}): TestProjectInlineConfiguration {
  return {
    plugins: [targetSwitch(target)],
    test: {
      name,
      include: [EXERCISE_TESTS],
      // Worker files resolved at run time (workerUrl) read the target from the environment.
      env: { [TARGET_ENV]: formatTarget(target), ...(options.stepFirst ? { KATA_STEP_FIRST: '1' } : {}) },
      // Steps in order, only the steps asked for, and the beacon the watchdog reads (step-runner.ts).
      runner: fileURLToPath(new URL('./step-runner.ts', import.meta.url)),
      // Worker threads started by exercise code inherit this and can load `.ts` files: piscina requires
      // its worker file, and startWorker (harness/threads/ts-worker.ts) does the same. tsx's require hook only,
      // not its import hooks: those start a loader thread in every worker (about 0.13 s of CPU each, and
      // the proof starts some 200 workers). The preload comes first (checker/running/test-process.mjs).
      execArgv: ['--import', new URL('./test-process.mjs', import.meta.url).href, '--require', 'tsx/cjs'],
      // Timing tests must not share the CPU with each other (FIELD-NOTES: file parallelism).
      fileParallelism: false,
      // Far longer than any test of the kata takes, even on a busy machine; short enough that a
      // learner whose promise never settles hears about it while they still remember the change.
      testTimeout: 15_000,
      hookTimeout: 15_000,
    },
  };
}
