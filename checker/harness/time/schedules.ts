// Adversarial, reproducible schedules. One fixed test case proves little about concurrent code: a
// pool written as batches passes when every call takes 50 ms, a barging mutex passes when nobody asks
// at the wrong moment. `explore` runs a property over many cases that fast-check draws from a seed
// (latencies per call, arrival times, failures, cancel moments), so completion order, batching and
// barging all show, and shrinks a failing case to the smallest one that still fails.
//
//   await explore({
//     seed: 1,
//     cases: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2 }),
//     describe: (latencies) => `latencies ${latencies.join(', ')} ms`,
//     check: async (latencies) => { ...run on the fake clock; fail('what the code did', io.draw()) },
//     cleanup: () => vi.useRealTimers(),
//   });
//
// The failure reads as the learner's own failure first (the shrunk case's `fail(...)` message, with its
// timeline), then how the case was found and the one line that reruns exactly that case.
// Every property has a fixed default seed, so CI is deterministic. Environment:
//   KATA_SEED=<n>          explore from another seed (every property of the run)
//   KATA_SEED=<n>:<path>   replay exactly one case (the report prints this line)
//   KATA_RUNS=<n>          try n cases per property instead of each property's default
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { KataError } from '../words/explain.ts';
import { KATA_ROOT } from '../where.ts';

export { fc };

export interface Exploration<T> {
  /** Draws one case: latencies, arrival times, failures, a cancel moment. */
  cases: fc.Arbitrary<T>;
  /** Runs one case and calls `fail(...)`, in the learner's words, when the code broke a rule. */
  check: (value: T) => Promise<void>;
  /** The case in a few words, for the report: "latencies 30, 10 ms; deadline 20 ms". */
  describe?: (value: T) => string;
  /** Runs after every case however it ended: restore real timers, stop watches. */
  cleanup?: () => void;
  /** The property's fixed seed (CI is deterministic); KATA_SEED overrides it. */
  seed: number;
  /** How many cases to try (default 40); KATA_RUNS overrides it. */
  runs?: number;
}

export interface SeedChoice {
  seed: number;
  /** Replays exactly one case when set. */
  path?: string;
  runs: number;
}

/** Reads KATA_SEED and KATA_RUNS over a property's defaults. */
export function chooseSeed(defaults: { seed: number; runs: number }, env: NodeJS.ProcessEnv = process.env): SeedChoice {
  const choice: SeedChoice = { seed: defaults.seed, runs: defaults.runs };
  const seedText = env.KATA_SEED?.trim();
  if (seedText) {
    const match = /^(-?\d+)(?::([\d:]+))?$/.exec(seedText);
    if (!match?.[1]) throw new Error(`KATA_SEED must be a whole number, or <seed>:<path> as a failure report prints it; got "${seedText}".`);
    choice.seed = Number(match[1]);
    if (match[2]) choice.path = match[2];
  }
  const runsText = env.KATA_RUNS?.trim();
  if (runsText) {
    const runs = Number(runsText);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`KATA_RUNS must be a whole number >= 1; got "${runsText}".`);
    choice.runs = runs;
  }
  return choice;
}

export async function explore<T>(exploration: Exploration<T>): Promise<void> {
  const { seed, path: replayPath, runs } = chooseSeed({ seed: exploration.seed, runs: exploration.runs ?? 40 });
  const property = fc.asyncProperty(exploration.cases, async (value) => {
    try {
      await exploration.check(value);
    } finally {
      exploration.cleanup?.();
    }
  });
  const details = await fc.check(property, {
    seed,
    numRuns: runs,
    ...(replayPath === undefined ? {} : { path: replayPath }),
  });
  if (!details.failed) return;
  const error: unknown = details.errorInstance;
  // An unwritten step is reported as itself, not as a schedule that broke it.
  if (error instanceof Error && error.message.startsWith('TODO')) throw error;
  const [value] = details.counterexample ?? [];
  const caseText = value === undefined ? '' : `: ${exploration.describe ? exploration.describe(value) : fc.stringify(value)}`;
  const found = replayPath === undefined
    ? `seed ${seed}, case ${details.numRuns} of ${runs}, shrunk ${details.numShrinks} time(s) to the smallest case that still fails`
    : `replayed from KATA_SEED=${seed}:${replayPath}`;
  const report = new KataError(
    [
      error instanceof KataError ? error.message : `It threw ${describeThrown(error)}.`,
      '',
      `-> Found by an adversarial schedule (${found})${caseText}.`,
      `   Rerun exactly this case: ${replayLine(seed, details.counterexamplePath ?? replayPath ?? '')}`,
      '   Other cases: KATA_SEED=<any number> explores from another seed; KATA_RUNS=<n> tries n cases.',
    ].join('\n'),
  );
  // Point the runner's code frame at the check that failed inside the case, not at this module.
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
  if (frames.length > 0) report.stack = `${report.name}: ${report.message}\n${frames.join('\n')}`;
  throw report;
}

/** The shell line that reruns exactly one case of the running test. */
export function replayLine(seed: number, casePath: string): string {
  const state = expect.getState();
  const root = KATA_ROOT;
  const file = state.testPath ? path.relative(root, state.testPath) : '';
  const testName = (state.currentTestName ?? '').split(' > ').pop() ?? '';
  const pattern = testName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, '.');
  const target = process.env.KATA_TARGET && process.env.KATA_TARGET !== 'exercises' ? `KATA_TARGET=${process.env.KATA_TARGET} ` : '';
  return `${target}KATA_SEED=${seed}:${casePath} npx vitest run --project kata ${file} -t '${pattern}'`;
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
