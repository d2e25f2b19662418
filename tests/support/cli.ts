// Runs the checker as a learner or a CI job would (`node checker/kata.mjs …`), with its own scratch
// progress folder, and captures what it printed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../checker/paths.ts';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function scratchStateDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'kata-state-'));
}

export interface KataOptions {
  stateDir?: string;
  env?: Record<string, string>;
  /** Run the checker of a copy of the kata (tests/support/kata-copy.ts) instead of the real one. */
  cwd?: string;
}

export function kata(args: readonly string[], options: KataOptions = {}): CliResult {
  const root = options.cwd ?? ROOT;
  const result = spawnSync(process.execPath, [path.join(root, 'checker', 'kata.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...cleanEnv(),
      KATA_STATE_DIR: options.stateDir ?? scratchStateDir(),
      NO_COLOR: '1',
      ...options.env,
    },
    timeout: 240_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The parent is a vitest worker: its VITEST_* settings must not leak into the checker's own vitest. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'FORCE_COLOR' && key !== 'KATA_TARGET'),
  );
  return env;
}
