// A verdict that is always true: no points without a run, no hang. Every way found to pass (or to hang)
// without earning it is one exercise in a copy of the kata, a clone of exercise 01 whose stub or tests
// were changed the way a learner (or a cheating learner) would; one `verify` grades them all at once.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClassroomResult } from '../checker/report/classroom.ts';
import type { JsonReport } from '../checker/report/json.ts';
import { kata, type CliResult } from './support/cli.ts';
import { copyKata, type KataCopy } from './support/kata-copy.ts';
import { classroomPoints } from './support/junit.ts';
import { ROOT } from '../checker/paths.ts';

const SOURCE = '01-async-join';
const solution = readFileSync(path.join(ROOT, 'solutions', SOURCE, 'join.ts'), 'utf8');
// Short, so the two hung clones cost seconds; long enough that a test process starved of CPU (a busy
// CI machine: the proof runs beside this) is not taken for a hung one (2 s was, once, and the honest clone lost its points).
const WATCHDOG_MS = 5_000;

/** Each case: a clone of exercise 01, the learner's file and (for some) its tests changed. */
const CASES = {
  // The reference solution, so every point lost below is lost to the trick, not to the code.
  '90-honest': {},
  '91-skipped-by-stub': { stub: `import { beforeEach } from 'vitest';\nbeforeEach((ctx) => ctx.skip());\n${solution}` },
  '92-skip-every-step': { tests: (text: string) => text.replace(/describe\('step/g, "describe.skip('step") },
  '93-only-one-test': { tests: (text: string) => text.replace("it('handles an empty list'", "it.only('handles an empty list'") },
  '94-process-exits': { stub: solution.replace('const results = await Promise.all', 'if (tasks.length === 0) (process as unknown as { reallyExit(code: number): void }).reallyExit(3);\n  const results = await Promise.all') },
  '95-endless-loop': { stub: solution.replace('const results = await Promise.all', 'if (tasks.length === 0) for (;;);\n  const results = await Promise.all') },
  '96-test-deleted': { tests: (text: string) => text.replace("it('handles an empty list'", "it.skip('handles an empty list'").replace(/it\.skip\('handles an empty list', async \(\) => \{[\s\S]*?\n {2}\}\);\n/, '') },
  '97-test-added-by-stub': { stub: `import { describe, it } from 'vitest';\ndescribe('step 1: join two waits', () => it('is easy', () => {}));\n${solution}` },
  '98-deadlock': { stub: solution.replace('const results = await Promise.all', 'if (tasks.length === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n  const results = await Promise.all') },
  '99-unhandled-rejection': { stub: solution.replace('const results = await Promise.all', "if (tasks.length === 0) void Promise.reject(new Error('a promise nobody awaits'));\n  const results = await Promise.all") },
} satisfies Record<string, { stub?: string; tests?: (text: string) => string }>;
type CaseId = keyof typeof CASES;

let copy: KataCopy;
let verdict: JsonReport;
let classroom: ClassroomResult;
let took = 0;

function clone(target: KataCopy, id: CaseId): void {
  const dir = target.file(`exercises/${id}`);
  cpSync(target.file(`exercises/${SOURCE}`), dir, { recursive: true });
  const { stub, tests } = CASES[id] as { stub?: string; tests?: (text: string) => string };
  writeFileSync(path.join(dir, 'join.ts'), stub ?? solution);
  if (tests) {
    const file = path.join(dir, 'join.test.ts');
    const before = readFileSync(file, 'utf8');
    const after = tests(before);
    if (after === before) throw new Error(`the edit of ${id}'s tests changed nothing`);
    writeFileSync(file, after);
  }
}

function exercise(id: CaseId) {
  const found = verdict.exercises.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`${id} was not graded`);
  return found;
}

const messages = (id: CaseId) => exercise(id).tests.map((test) => `${test.status}: ${test.name}: ${test.message}`).join('\n');

function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not one JSON document on stdout (exit ${result.status}):\n${result.stdout.slice(0, 500)}\n${result.stderr.slice(0, 2000)}`);
  }
}

beforeAll(() => {
  copy = copyKata([SOURCE]);
  for (const id of Object.keys(CASES) as CaseId[]) clone(copy, id);
  // The clones ship the same tests as exercise 01 (the manifest of the copy says so), whatever was edited.
  const manifestFile = copy.file('checker/manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { tests: Record<string, unknown> };
  for (const id of Object.keys(CASES)) manifest.tests[id] = manifest.tests[SOURCE];
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const env = { KATA_WATCHDOG_MS: String(WATCHDOG_MS) };
  const start = performance.now();
  const result = kata(['verify', ...Object.keys(CASES), '--no-strict', '--json'], { cwd: copy.root, env });
  took = performance.now() - start;
  verdict = json<JsonReport>(result);
  classroom = json<ClassroomResult>(kata(['verify', '90', '91', '94', '--no-strict', '--classroom'], { cwd: copy.root, env }));
}, 240_000);

describe('no points without a run', () => {
  it('the honest clone passes: every point below is lost to the trick, not to the code', () => {
    expect(exercise('90-honest')).toMatchObject({ status: 'passed', points: 8 });
  });

  it('a stub that skips every test (beforeEach ctx.skip) earns nothing, and is told why', () => {
    expect(exercise('91-skipped-by-stub')).toMatchObject({ status: 'failed', points: 0 });
    expect(messages('91-skipped-by-stub')).toMatch(/skipped, and not for a reason the kata declares/);
  });

  it('describe.skip on every step earns nothing', () => {
    expect(exercise('92-skip-every-step')).toMatchObject({ status: 'failed', points: 0 });
  });

  it('.only earns nothing: every other test did not run', () => {
    expect(exercise('93-only-one-test')).toMatchObject({ status: 'failed', points: 0 });
  });

  it('.only under CI=true (where vitest refuses it) earns nothing either', () => {
    const result = kata(['verify', '93', '--no-strict', '--json'], { cwd: copy.root, env: { CI: 'true' } });
    const report = json<JsonReport>(result).exercises[0];
    expect(report).toMatchObject({ id: '93-only-one-test', points: 0 });
    expect(report?.status).not.toBe('passed');
  });

  it('a test removed from a step fails that step: it never ran', () => {
    const report = exercise('96-test-deleted');
    expect(report.status).toBe('failed');
    // Only the step whose test was removed loses its points; anything else that failed is named.
    const others = report.tests.filter((test) => test.status !== 'passed' && test.name !== 'handles an empty list');
    expect(others.map((test) => `${test.status}: ${test.name}: ${test.message}`)).toEqual([]);
    expect(report.points).toBe(8 - 2);
    expect(report.tests.find((test) => test.name === 'handles an empty list')).toMatchObject({ status: 'not run', message: expect.stringMatching(/never ran/) as string });
  });

  it('a test added by the learner\'s file fails its step: only the kata\'s tests count', () => {
    const report = exercise('97-test-added-by-stub');
    expect(report.points).toBe(8 - 1);
    expect(messages('97-test-added-by-stub')).toMatch(/Step 1 ran a test that the kata does not ship: "is easy"/);
  });

  it('a promise left rejecting with nobody listening fails the test that was running, and only its step, saying where it was made', () => {
    const report = exercise('99-unhandled-rejection');
    expect(report.status).toBe('failed');
    expect(report.points).toBe(8 - 2);
    const failing = report.tests.filter((test) => test.status !== 'passed');
    expect(failing.map((test) => [test.step, test.name])).toEqual([[2, 'handles an empty list']]);
    expect(failing[0]?.message).toMatch(/^While this test ran, a promise rejected with nobody listening for it[\s\S]*a promise nobody awaits[\s\S]*at loadAll \(exercises\/99-unhandled-rejection\/join\.ts:\d+/);
  });

  it('a test process that dies mid-file scores nothing from the step that killed it on, and says so', () => {
    const report = exercise('94-process-exits');
    expect(report.status).toBe('failed');
    expect(report.points).toBe(1);
    expect(messages('94-process-exits')).toMatch(/failed: handles an empty list: The test process exited with code 3 while this test ran/);
  });

  it('a test that finished before the process died keeps its result, every time', () => {
    const stepOne = exercise('94-process-exits').tests.filter((test) => test.step === 1);
    expect(stepOne.length).toBeGreaterThan(0);
    expect(stepOne.every((test) => test.status === 'passed')).toBe(true);
    expect(messages('94-process-exits')).not.toMatch(/result was lost/);
  });

  it('GitHub Classroom gets the same points as the JSON report, never full points for a run that did not finish', () => {
    const { points, maxPoints } = classroomPoints(classroom);
    const expected = ['90-honest', '91-skipped-by-stub', '94-process-exits'].reduce((sum, id) => sum + exercise(id as CaseId).points, 0);
    expect(points).toBe(expected);
    expect(points).toBeLessThan(maxPoints);
  });
});

describe('never hanging', () => {
  it('an endless loop is stopped by the watchdog, and the verdict names the file and line', () => {
    const failing = exercise('95-endless-loop').tests.find((test) => test.status === 'failed');
    expect(failing?.name).toBe('handles an empty list');
    expect(failing?.message).toMatch(/The event loop was blocked for \d+ s while this test ran, so the checker stopped the test process/);
    expect(failing?.message).toMatch(/at loadAll \(exercises\/95-endless-loop\/join\.ts:\d+/);
  });

  it('a deadlock in Atomics.wait on the main thread likewise', () => {
    const failing = exercise('98-deadlock').tests.find((test) => test.status === 'failed');
    expect(failing?.message).toMatch(/blocked for \d+ s[\s\S]*at loadAll \(exercises\/98-deadlock\/join\.ts:\d+/);
  });

  it('grades every exercise after the ones that hung, in bounded time', () => {
    expect(verdict.exercises.map((report) => report.id)).toEqual(Object.keys(CASES));
    expect(exercise('97-test-added-by-stub').tests.length).toBeGreaterThan(10);
    // Two hung clones, each stopped after the watchdog's limit; everything else takes seconds.
    expect(took).toBeLessThan(2 * WATCHDOG_MS + 60_000);
  });
});
