// The vitest project that runs exercise tests against one target. The checker builds one per target
// it grades (stubs, solutions, each known-wrong variant) and vitest.config.ts builds the default one,
// so a bare `npx vitest` and the checker run the tests the same way.
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { TARGET_ENV, formatTarget, targetSwitch, type Target } from './target.ts';

export const EXERCISE_TESTS = 'exercises/**/*.test.ts';

export function kataProject(target: Target, name = formatTarget(target)): TestProjectInlineConfiguration {
  return {
    plugins: [targetSwitch(target)],
    test: {
      name,
      include: [EXERCISE_TESTS],
      // Worker files resolved at run time (workerUrl) read the target from the environment.
      env: { [TARGET_ENV]: formatTarget(target) },
      // Piscina workers started by exercise code inherit this and can load `.ts` files. The preload
      // comes first: it loads vitest's runtime before tsx's hooks would slow it down.
      execArgv: ['--import', new URL('./vitest-preload.mjs', import.meta.url).href, '--import', 'tsx'],
      // Timing tests must not share the CPU with each other (FIELD-NOTES: file parallelism).
      fileParallelism: false,
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
}
