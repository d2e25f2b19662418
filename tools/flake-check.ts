// flake-check: runs one command many times, optionally while CPU hogs keep every core busy, and
// counts how often it gave the expected outcome. An honest timing test passes here every time for
// the right code and fails every time for the wrong code. Plain Node.js, no shell: it runs the same
// on Linux, macOS and Windows.
//
//   npm run flake -- [-n RUNS] [-j HOGS|cores] [--expect-fail] [--log FILE] -- COMMAND [ARG...]
//
//   -n RUNS        how many runs (default 10)
//   -j HOGS        busy-loop processes kept running during the runs (default 0; `cores`: one per core)
//   --expect-fail  the command is expected to exit non-zero (grading the unsolved stubs, a variant)
//   --log FILE     keep every run's output there (default: a temp file; the first bad run is printed)
//
// One line per run, then `with N CPU hogs: N passed, N failed`. Exit 0 when every run gave the
// expected outcome, 1 otherwise, 2 on bad arguments.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FlakeOptions {
  runs: number;
  hogs: number;
  expectFail: boolean;
  log: string;
  command: string[];
}

export class FlakeUsageError extends Error {}

export function parseFlakeArgs(argv: readonly string[]): FlakeOptions {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? [...argv] : argv.slice(0, separator);
  const command = separator === -1 ? [] : argv.slice(separator + 1);
  const options: FlakeOptions = { runs: 10, hogs: 0, expectFail: false, log: '', command };
  for (let i = 0; i < own.length; i++) {
    const arg = own[i];
    const value = () => {
      const next = own[++i];
      if (next === undefined) throw new FlakeUsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '-n') options.runs = whole(value(), '-n');
    else if (arg === '-j') {
      const hogs = value();
      options.hogs = hogs === 'cores' ? os.availableParallelism() : whole(hogs, '-j');
    } else if (arg === '--expect-fail') options.expectFail = true;
    else if (arg === '--log') options.log = value();
    else throw new FlakeUsageError(`unknown argument "${arg}"`);
  }
  if (command.length === 0) throw new FlakeUsageError('no command given after --');
  return options;
}

function whole(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new FlakeUsageError(`${flag} takes a whole number (got "${text}")`);
  return Number(text);
}

/** Starts `count` processes that keep one core busy each, for at most an hour (named, so they can be found). */
function startHogs(count: number): ChildProcess[] {
  const script = `/* ${HOG_MARK} ${process.pid} */ const end = Date.now() + 3600e3; while (Date.now() < end) {}`;
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', script], { stdio: 'ignore' }));
}

/** In every hog's command line, with the flake check's pid after it. */
export const HOG_MARK = 'kata-flake-check-hog';

interface RunResult {
  code: number | null;
  ms: number;
  output: string;
}

function runOnce(command: readonly string[]): Promise<RunResult> {
  const [file = '', ...args] = command;
  const start = performance.now();
  return new Promise((resolve) => {
    // On Windows `npm` is a .cmd file, which only a shell runs.
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ code: 127, ms: performance.now() - start, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code, ms: performance.now() - start, output }));
  });
}

export async function flakeCheck(options: FlakeOptions, out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const log = options.log || path.join(mkdtempSync(path.join(os.tmpdir(), 'flake-check-')), 'runs.log');
  writeFileSync(log, '');
  const hogs = startHogs(options.hogs);
  const stopHogs = () => hogs.forEach((hog) => hog.kill('SIGKILL'));
  // 128 + the signal's number, as a shell reports it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), like the checker.
  const interrupted = (signal: NodeJS.Signals) => {
    stopHogs();
    process.exit(128 + os.constants.signals[signal]);
  };
  process.once('exit', stopHogs);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, interrupted);
  let good = 0;
  let firstBad: { run: number; output: string } | undefined;
  try {
    for (let run = 1; run <= options.runs; run++) {
      const result = await runOnce(options.command);
      appendFileSync(log, `=== run ${run}\n${result.output}`);
      const expected = options.expectFail ? result.code !== 0 : result.code === 0;
      if (expected) good++;
      else firstBad ??= { run, output: result.output };
      out(`run ${run}: exit ${result.code ?? 'signal'} in ${Math.round(result.ms)} ms (${expected ? 'ok' : 'UNEXPECTED'})`);
    }
  } finally {
    stopHogs();
    process.off('exit', stopHogs);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, interrupted);
  }
  if (firstBad) {
    out(`--- output of run ${firstBad.run} (the first unexpected one), from ${log}:`);
    out(firstBad.output.split('\n').slice(-60).join('\n'));
  }
  out(`with ${options.hogs} CPU hogs: ${good} passed, ${options.runs - good} failed`);
  return good === options.runs ? 0 : 1;
}

async function main(): Promise<void> {
  let options: FlakeOptions;
  try {
    options = parseFlakeArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof FlakeUsageError)) throw error;
    const usage = readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((line) => line.startsWith('//')).slice(4, 11).map((line) => line.slice(3));
    process.stderr.write(`flake-check: ${error.message}\n\n${usage.join('\n')}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await flakeCheck(options);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
