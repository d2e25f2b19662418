// Runs the checker as a learner or a CI job would (`node checker/kata.mjs …`), with its own scratch
// progress folder, and captures what it printed.
import { spawn, spawnSync } from 'node:child_process';
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

const KATA_TIMEOUT_MS = 240_000;

function kataCommand(args: readonly string[], options: KataOptions) {
  const root = options.cwd ?? ROOT;
  return {
    command: process.execPath,
    args: [path.join(root, 'checker', 'kata.mjs'), ...args],
    options: {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
      env: { ...cleanEnv(), KATA_STATE_DIR: options.stateDir ?? scratchStateDir(), NO_COLOR: '1', ...options.env },
    },
  };
}

export function kata(args: readonly string[], options: KataOptions = {}): CliResult {
  const { command, args: argv, options: spawnOptions } = kataCommand(args, options);
  const result = spawnSync(command, argv, { ...spawnOptions, encoding: 'utf8', timeout: KATA_TIMEOUT_MS });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking the test process: for several checkers at once. */
export function kataAsync(args: readonly string[], options: KataOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const { command, args: argv, options: spawnOptions } = kataCommand(args, options);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? KATA_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The parent is a vitest worker: its VITEST_* settings must not leak into the checker's own vitest. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'FORCE_COLOR' && key !== 'KATA_TARGET'),
  );
  return env;
}
