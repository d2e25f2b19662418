// For running vitest by hand: `npx vitest --project kata` runs the exercise tests against the target
// in KATA_TARGET (default: your own files), `--project self` the kata's own tests. The checker does
// not read this file: it builds the same `kata` project itself (checker/running/kata-project.ts).
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { kataProject } from './checker/running/kata-project.ts';
import { currentTarget } from './checker/running/target.ts';

export default defineConfig({
  test: {
    // Two test processes at a time: the proof (timing tests, one file at a time) and the self-tests beside it.
    maxWorkers: 2,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      kataProject(currentTarget(), 'kata'),
      {
        test: {
          name: 'self',
          include: ['tests/**/*.test.ts', 'checker/**/*.test.ts'],
          exclude: ['tests/proof/**'],
          // None of these judges real time by itself: they run in parallel, beside the proof.
          fileParallelism: true,
          // The self-tests never touch the learner's own progress or backups.
          env: { KATA_STATE_DIR: path.join(os.tmpdir(), 'concurrency-kata-self-test') },
          testTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'proof',
          include: ['tests/proof/**/*.test.ts'],
          // The proof runs every exercise's timing tests: one file at a time.
          fileParallelism: false,
          env: { KATA_STATE_DIR: path.join(os.tmpdir(), 'concurrency-kata-self-test') },
          testTimeout: 600_000,
        },
      },
    ],
  },
});
