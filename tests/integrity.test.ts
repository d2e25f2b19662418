// The kata proves itself: every exercise folder is complete, every stub fails every test, every
// reference solution passes, and every known-wrong variant is rejected with a message that names
// its mistake. The grading runs go through the real CLI, as CI and learners use it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExercises } from '../checker/exercises.ts';
import type { JsonReport } from '../checker/report/json.ts';
import { buildManifest, readManifest } from '../checker/pristine.ts';
import { collectTestNames } from '../checker/runner.ts';
import { loadAlternatives, loadVariants, type OtherWaysVerdict } from '../checker/variants.ts';
import { kata } from './support/cli.ts';

const exercises = loadExercises();

function parseJson<T>(stdout: string, what: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch (error) {
    throw new Error(`${what} did not print one JSON document on stdout:\n${stdout.slice(0, 2000)}`, { cause: error });
  }
}

describe.each(exercises.map((exercise) => [exercise.id, exercise] as const))('exercise %s is complete', (_id, exercise) => {
  it('has a lesson with a Rust corner, and hints for every step', () => {
    const lesson = readFileSync(exercise.lessonPath, 'utf8');
    expect(lesson).toMatch(/^## Rust corner/m);
    expect(exercise.hints.length, 'a "## Step N" section in hints.md for every step').toBe(exercise.steps.length);
  });

  it('has at least three graded steps, each a describe in the tests named like its metadata', () => {
    expect(exercise.steps.length).toBeGreaterThanOrEqual(3);
    // Quotes escaped inside the test file's string literals (`don\'t`) read as plain quotes here.
    const tests = readTests(exercise.dir).replace(/\\(['"`])/g, '$1');
    exercise.steps.forEach((step, i) => {
      const name = `step ${i + 1}: ${step.title}`;
      const describe = new RegExp(`describe\\(\\s*['"\`]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`);
      expect(describe.test(tests), `a describe('${name}') in the tests`).toBe(true);
    });
  });

  it('has a stub and a reference solution for every learner file, and known-wrong variants', () => {
    for (const file of exercise.files) {
      expect(existsSync(path.join(exercise.dir, file)), `exercises/${exercise.id}/${file}`).toBe(true);
      expect(existsSync(path.join(exercise.solutionDir, file)), `solutions/${exercise.id}/${file}`).toBe(true);
    }
    expect(loadVariants([exercise]).length).toBeGreaterThanOrEqual(3);
  });
});

function readTests(dir: string): string {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
}

describe('the manifest', () => {
  it('lists the current kata files and the tests of every step (run `npm run kata -- manifest` after changing one)', async () => {
    const manifest = readManifest();
    expect(manifest.files).toEqual(buildManifest().files);
    expect(manifest.tests).toEqual(await collectTestNames(exercises));
  });
});

describe('grading the kata itself', () => {
  it('every stub fails every one of its tests', () => {
    const result = kata(['verify', '--no-strict', '--json']);
    expect(result.status, result.stderr).toBe(1);
    const report = parseJson<JsonReport>(result.stdout, 'verify --json');
    expect(report.status).toBe('failed');
    expect(report.exercises.map((exercise) => exercise.id)).toEqual(exercises.map((exercise) => exercise.id));
    for (const exercise of report.exercises) {
      expect(exercise.status, `${exercise.id}: ${exercise.error ?? ''}`).toBe('failed');
      expect(exercise.points).toBe(0);
      const passing = exercise.tests.filter((test) => test.status !== 'failed').map((test) => test.name);
      expect(passing, `${exercise.id}: tests that pass (or skip) against the unsolved stub`).toEqual([]);
    }
  });

  it('every reference solution passes everything, and every test belongs to a step', () => {
    const result = kata(['verify', '--no-strict', '--solutions', '--json']);
    const report = parseJson<JsonReport>(result.stdout, 'verify --solutions --json');
    const failures = report.exercises.flatMap((exercise) =>
      exercise.tests.filter((test) => test.status === 'failed').map((test) => `${exercise.id} › ${test.name}: ${test.message}`),
    );
    expect(failures).toEqual([]);
    expect(report).toMatchObject({ status: 'passed', passed: exercises.length, total: exercises.length });
    expect(report.points).toBe(report.maxPoints);
    expect(result.status).toBe(0);
    for (const exercise of report.exercises) {
      expect(exercise.tests.filter((test) => test.step === null).map((test) => test.name)).toEqual([]);
    }
  });

  it('every known-wrong variant is rejected by its step, with a message that names the mistake; every correct alternative passes', () => {
    const result = kata(['variants', '--json']);
    const verdict = parseJson<OtherWaysVerdict>(result.stdout, 'variants --json');
    expect(verdict.variants.length).toBe(loadVariants(exercises).length);
    expect(verdict.alternatives.length).toBe(loadAlternatives(exercises).length);
    const accepted = verdict.variants.filter((v) => !v.rejected).map((v) => `${v.exercise}/wrong/${v.variant}: ${v.reason}`);
    expect(accepted).toEqual([]);
    const rejected = verdict.alternatives.filter((a) => !a.accepted).map((a) => `${a.exercise}/alt/${a.alt}: ${a.reason}`);
    expect(rejected).toEqual([]);
    expect(result.status).toBe(0);
  });
});
