// For running vitest by hand: `npx vitest --project kata` runs the exercise tests against the target
// in KATA_TARGET (default: your own files), `--project self` the kata's own tests. The checker does
// not read this file: it builds the same `kata` project itself (checker/kata-project.ts).
import { defineConfig } from 'vitest/config';
import { kataProject } from './checker/kata-project.ts';
import { currentTarget } from './checker/target.ts';

export default defineConfig({
  test: {
    // Timing tests must not share the CPU: one test file at a time (FIELD-NOTES: file parallelism).
    fileParallelism: false,
    projects: [
      kataProject(currentTarget(), 'kata'),
      {
        test: {
          name: 'self',
          include: ['tests/**/*.test.ts', 'checker/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
