// The kata's own speed: the self-tests, the checker's overhead over a bare vitest run of the same
// test file, and watch mode's delay from a save to the verdict.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadExercises as loadKataExercises } from '../checker/exercises.ts';
import { ROOT } from '../checker/paths.ts';
import { copyKata } from '../tests/support/kata-copy.ts';
import { median, ms, ratio, type Row } from './measure.ts';

const EXERCISE = '01-async-join';

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
}

/** Runs a command to completion (output captured, never shown) and times it. */
function timed(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code, stdout }));
  });
}

/** What the learner's shell would have: none of this process's vitest or target settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'KATA_TARGET'));
  return { ...env, NO_COLOR: '1', KATA_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'kata-bench-state-')) };
}

export async function npmTest(): Promise<Row> {
  // Under `npm run bench`, npm says where it lives: run `npm test` exactly as a maintainer does.
  const npm = process.env.npm_execpath;
  const args = npm && /\.c?js$/.test(npm) ? [npm, 'test'] : [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'self'];
  const run = await timed(args);
  const summary = /self-test: (.*)/.exec(run.stdout)?.[1] ?? `exit code ${run.code}`;
  return {
    group: 'the kata itself',
    what: '`npm test` wall time (every self-test, every exercise against stub, solution and variants)',
    reference: `${(run.ms / 1000).toFixed(1)} s (${summary})`,
    wrong: 'target: about 45 s',
    point: run.ms <= 50_000 && run.code === 0 ? 'met' : run.code === 0 ? 'slower than the target' : 'npm test failed: see `npm test`',
  };
}

export async function checkerOverhead(runs = 5): Promise<Row> {
  const checker = [path.join(ROOT, 'checker', 'kata.mjs'), 'verify', EXERCISE, '--json', '--no-strict'];
  const bare = [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'kata', `exercises/${EXERCISE}`];
  const times = { checker: [] as number[], bare: [] as number[] };
  // Alternate, so a burst of load on the machine hits both sides alike.
  for (let i = 0; i < runs; i++) {
    times.checker.push((await timed(checker)).ms);
    times.bare.push((await timed(bare)).ms);
  }
  const best = Math.min(...times.checker) / Math.min(...times.bare);
  const typical = median(times.checker) / median(times.bare);
  return {
    group: 'the kata itself',
    what: `one exercise's verdict: \`kata verify ${EXERCISE}\` vs a bare \`vitest run\` of its test file (best / median of ${runs})`,
    reference: `${ms(Math.min(...times.checker))} vs ${ms(Math.min(...times.bare))}: ${ratio(best)} (median ${ms(median(times.checker))} vs ${ms(median(times.bare))}: ${ratio(typical)})`,
    wrong: 'target: within 1.3x',
    point: best <= 1.3 ? 'met' : 'missed',
  };
}

interface WatchModules {
  loadExercises(): Array<{ id: string; dir: string; files: string[] }>;
  WatchSession: {
    start(
      exercises: unknown[],
      events: { onRunStart(): void; onRunEnd(reports: Array<{ id: string; status: string }>): void },
      manual: boolean,
    ): Promise<{ setFocus(exercise: unknown): void; run(): Promise<void>; close(): Promise<void> }>;
  };
}

/** What a watch session's saves took: the cold first run, then each save on the warm watcher. */
export interface WatchTimings {
  cold: number;
  delays: Array<{ ms: number; status: string; save: number }>;
}

/** Hooks into a timed watch session (the workshop room's benchmark hands verdicts to a room client). */
export interface WatchHooks {
  /** Called with every verdict, where the watch loop hands them to its workshop room. */
  onVerdicts?(reports: ReadonlyArray<{ id: string; status: string }>, save: number): void;
}

/**
 * Watch mode as a learner meets it, on a copy of the kata (so no real file is touched): save the
 * exercise's files, wait for the verdict. Alternates the reference solution (passing) and the stub
 * (failing: watch mode stops at its first failing step). The first run is the cold start; the saves
 * after it run on a warm watcher.
 */
export async function timeWatchSaves(saves: number, hooks: WatchHooks = {}, id = EXERCISE): Promise<WatchTimings> {
  // Every exercise: one may use another's files (07 resizes with 03's image code).
  const copy = copyKata(loadKataExercises().map((exercise) => exercise.id));
  const load = async (relative: string) => (await import(pathToFileURL(path.join(copy.root, relative)).href)) as Record<string, unknown>;
  const { loadExercises } = (await load('checker/exercises.ts')) as unknown as Pick<WatchModules, 'loadExercises'>;
  const { WatchSession } = (await load('checker/watch/session.ts')) as unknown as Pick<WatchModules, 'WatchSession'>;
  const exercises = loadExercises();
  const exercise = exercises.find((candidate) => candidate.id === id);
  if (!exercise) throw new Error(`${id} is missing from the copy`);
  const files = exercise.files.map((name) => ({
    file: path.join(exercise.dir, name),
    versions: [readFileSync(path.join(ROOT, 'solutions', id, name), 'utf8'), readFileSync(path.join(exercise.dir, name), 'utf8')],
  }));

  let verdict: ((status: string) => void) | undefined;
  let save = -1;
  const session = await WatchSession.start(
    exercises,
    {
      onRunStart: () => undefined,
      onRunEnd: (reports) => {
        hooks.onVerdicts?.(reports, save);
        const mine = reports.find((report) => report.id === id);
        if (mine) verdict?.(mine.status);
      },
    },
    false,
  );
  const next = () => new Promise<string>((resolve) => (verdict = resolve));
  try {
    session.setFocus(exercise);
    let start = performance.now();
    let done = next();
    await session.run();
    await done;
    const cold = performance.now() - start;
    const delays: WatchTimings['delays'] = [];
    for (save = 0; save < saves; save++) {
      // A learner reads the verdict before the next save; the watcher is idle and warm.
      await new Promise((resolve) => setTimeout(resolve, 400));
      done = next();
      start = performance.now();
      // All of the exercise's files in one go: the watcher's debounce makes it one rerun.
      for (const { file, versions } of files) writeFileSync(file, versions[save % 2] ?? '');
      const status = await done;
      delays.push({ ms: performance.now() - start, status, save });
    }
    return { cold, delays };
  } finally {
    await session.close();
  }
}

/** The median time of the saves that ended with this verdict. */
function medianOf(delays: WatchTimings['delays'], status: string): number {
  return median(delays.filter((delay) => delay.status === status).map((delay) => delay.ms));
}

/** The targets for a warm watcher: the first failing step's verdict, and a whole passing exercise. */
const STEP_TARGETS: Record<string, { failingMs: number; passingMs: number }> = {
  '03-offload-cpu': { failingMs: 1500, passingMs: 3000 },
  // The capstone, like 03, waits on real threads and real time (and real sockets): 03's targets.
  '07-server': { failingMs: 1500, passingMs: 3000 },
};
const DEFAULT_STEP_TARGET = { failingMs: 300, passingMs: 2000 };

/** One row per exercise: save the stub (the first failing step's verdict) and the solution (all passing). */
export async function watchSteps(ids: readonly string[], saves = 6): Promise<Row[]> {
  const rows: Row[] = [];
  for (const id of ids) {
    const { delays } = await timeWatchSaves(saves, {}, id);
    const failing = medianOf(delays, 'failed');
    const passing = medianOf(delays, 'passed');
    const target = STEP_TARGETS[id] ?? DEFAULT_STEP_TARGET;
    rows.push({
      group: 'the kata itself',
      what: `watch mode, ${id}: a save to the verdict of its first failing step (the stub), and of the whole exercise passing (the solution); median of ${saves / 2} saves each, warm watcher`,
      reference: `failing step ${ms(failing)}, passing ${ms(passing)}`,
      wrong: `target: ${ms(target.failingMs)} / ${ms(target.passingMs)}`,
      point: failing <= target.failingMs && passing <= target.passingMs ? 'met' : 'missed',
    });
  }
  return rows;
}

export async function watchDelay(saves = 6): Promise<Row> {
  const { cold, delays } = await timeWatchSaves(saves);
  const all = delays.map((delay) => delay.ms);
  return {
    group: 'the kata itself',
    what: `watch mode, exercise ${EXERCISE}: a save to its verdict (median of ${saves} saves on a warm watcher; cold first run)`,
    reference: `${ms(median(all))} (passing ${ms(medianOf(delays, 'passed'))}, failing ${ms(medianOf(delays, 'failed'))}, slowest ${ms(Math.max(...all))}; cold ${ms(cold)})`,
    wrong: 'target: under 0.5 s',
    point: median(all) < 500 ? 'met' : 'missed',
  };
}
