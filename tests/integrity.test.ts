// Every exercise folder is complete (tests/proof/ proves that its tests tell the truth), and the
// manifest lists what the kata ships.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExercises } from '../checker/exercises.ts';
import { buildManifest, readManifest } from '../checker/grading/pristine.ts';
import { collectTestNames } from '../checker/running/runner.ts';
import { loadAlternatives, loadVariants } from '../checker/running/proof.ts';

const exercises = loadExercises();

describe.each(exercises.map((exercise) => [exercise.id, exercise] as const))('exercise %s is complete', (_id, exercise) => {
  it('has a lesson with a Rust corner, and hints for every step', () => {
    const lesson = readFileSync(exercise.lessonPath, 'utf8');
    expect(lesson).toMatch(/^## Rust corner/m);
    expect(exercise.hints.length, 'a "## Step N" section in hints.md for every step').toBe(exercise.steps.length);
    // Progressive: from a nudge to nearly the answer.
    expect(exercise.hints.map((hints) => hints.length >= 2), 'at least two hints for every step').toEqual(exercise.steps.map(() => true));
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

  it('has a stub and a reference solution for every learner file, known-wrong variants and correct alternatives', () => {
    for (const file of exercise.files) {
      expect(existsSync(path.join(exercise.dir, file)), `exercises/${exercise.id}/${file}`).toBe(true);
      expect(existsSync(path.join(exercise.solutionDir, file)), `solutions/${exercise.id}/${file}`).toBe(true);
    }
    expect(loadVariants([exercise]).length).toBeGreaterThanOrEqual(3);
    expect(loadAlternatives([exercise]).length, 'correct alternatives in solutions/<id>/alt/').toBeGreaterThanOrEqual(2);
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
