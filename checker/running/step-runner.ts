// The kata's vitest test runner, inside every test process (the kata project's `runner`). It is
// vitest's own runner plus three things:
// - steps in order: with KATA_STEP_FIRST=1 (`run`, watch mode), once a step fails the later steps are
//   not run at all (not even their beforeAll hooks): the learner on step 1 does not wait for step 3;
// - the steps a test file's module id names (`?kata-steps=2`, checker/running/target.ts): a known-wrong variant
//   is judged by its own step, and the rest are not run; with `kata-bail=<phrase>`, nothing runs after
//   a test failed with a message that contains the phrase (the variant's mistake is named: proven);
// - a beacon: the test that is running now and the outcome of every test that has finished, written
//   where the checker's watchdog can read them if the process has to be stopped or dies
//   (checker/running/kata-pool.ts): results still on their way to vitest are not lost with the process; and
//   the target the file runs against, for `workerUrl()` (checker/running/target.ts).
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { File, Suite, Task } from '@vitest/runner';
import { VitestTestRunner } from 'vitest/runners';
import { stepOf } from '../grading/grade.ts';
import type { FinishedTest } from './kata-pool.ts';
import { parseTargetedId, setRunningTarget } from './target.ts';

const STEP_FIRST = process.env.KATA_STEP_FIRST === '1';
const BEACON_DIR = process.env.KATA_BEACON_DIR;

export default class KataRunner extends VitestTestRunner {
  /** Per test file: the steps it may run (undefined: all), and whether a step has failed yet. */
  private allowed: number[] | undefined;
  private failedStep: number | undefined;
  private bailOn: string | undefined;
  private bailed = false;

  override importFile(filepath: string, source: 'collect' | 'setup'): unknown {
    // A test file's top level runs while it is collected: `workerUrl()` there needs the target too.
    if (source === 'collect') setRunningTarget(parseTargetedId(filepath).target);
    return super.importFile(filepath, source);
  }

  override async onBeforeRunSuite(suite: Suite): Promise<void> {
    if (isFile(suite)) {
      const { target, steps, bailOn } = parseTargetedId(suite.filepath);
      setRunningTarget(target);
      this.allowed = steps;
      this.failedStep = undefined;
      this.bailOn = bailOn;
      this.bailed = false;
    } else {
      const step = topLevelStep(suite);
      const blocked = step !== null && ((this.allowed && !this.allowed.includes(step)) || (STEP_FIRST && this.failedStep !== undefined));
      if (blocked) skipAll(suite);
    }
    await super.onBeforeRunSuite(suite);
  }

  override async onAfterRunSuite(suite: Suite): Promise<void> {
    const step = topLevelStep(suite);
    if (step !== null && suite.mode === 'run' && suite.result?.state === 'fail') this.failedStep ??= step;
    await super.onAfterRunSuite(suite);
  }

  override async onBeforeRunTask(test: Task): Promise<void> {
    if (this.bailed) test.mode = 'skip';
    await super.onBeforeRunTask(test);
  }

  override onAfterRunTask(test: Task): void {
    const said = (test.result?.errors ?? []).map((error) => String(error.message)).join('\n');
    if (this.bailOn !== undefined && test.result?.state === 'fail' && said.includes(this.bailOn)) this.bailed = true;
    const state = test.result?.state;
    if (BEACON_DIR && test.type === 'test' && (state === 'pass' || state === 'fail')) {
      const finished: FinishedTest = { file: test.file.filepath, path: pathOf(test), state, message: said };
      // Synchronous, like the running test: a process that dies next still leaves this behind.
      appendFileSync(path.join(BEACON_DIR, 'finished.jsonl'), `${JSON.stringify(finished)}\n`);
    }
    super.onAfterRunTask(test);
  }

  override onBeforeTryTask(test: Task): void {
    if (BEACON_DIR) {
      // Synchronous on purpose: if this test never gives the event loop back, this is what is left.
      writeFileSync(path.join(BEACON_DIR, 'test.json'), JSON.stringify({ file: test.file.filepath, path: pathOf(test) }));
    }
    super.onBeforeTryTask(test);
  }
}

/** Enclosing describe names, outermost first, then the test's name. */
function pathOf(test: Task): string[] {
  const names: string[] = [];
  for (let task: Task | undefined = test; task && !isFile(task); task = task.suite) names.unshift(task.name);
  return names;
}

function isFile(task: Task): task is File {
  return task.type === 'suite' && 'filepath' in task && task.file === task;
}

/** The step number of a top-level `describe('step N: …')`, else null. */
function topLevelStep(suite: Suite): number | null {
  const topLevel = !isFile(suite) && (suite.suite === undefined || isFile(suite.suite));
  return topLevel ? stepOf([suite.name]) : null;
}

function skipAll(task: Task): void {
  task.mode = 'skip';
  if (task.type === 'suite') for (const child of task.tasks) skipAll(child);
}

