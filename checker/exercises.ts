// Finds the exercises on disk and resolves the ids learners type (`1`, `01`, `async-join`, `01-async-join`).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EXERCISES_DIR, SOLUTIONS_DIR } from './paths.ts';
import { parseExerciseMeta, type ExerciseMeta } from './formats/exercise-meta.ts';
import { parseHints, type StepHints } from './formats/hints.ts';

export interface Exercise extends ExerciseMeta {
  /** The folder name, e.g. `01-async-join`: the id used everywhere. */
  id: string;
  number: number;
  slug: string;
  dir: string;
  solutionDir: string;
  lessonPath: string;
  /** Progressive hints by step: `hints[0]` are step 1's. */
  hints: StepHints;
}

const FOLDER = /^(\d{2})-([a-z0-9-]+)$/;

/** Thrown for a malformed exercise folder: the message names the file and what is wrong. */
export class ExerciseSetupError extends Error {
  override name = 'ExerciseSetupError';
}

export function loadExercises(exercisesDir = EXERCISES_DIR, solutionsDir = SOLUTIONS_DIR): Exercise[] {
  return readdirSync(exercisesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && FOLDER.test(entry.name))
    .map((entry) => {
      try {
        return loadExercise(entry.name, exercisesDir, solutionsDir);
      } catch (error) {
        throw new ExerciseSetupError(`exercises/${entry.name} cannot be loaded: ${(error as Error).message}`, { cause: error });
      }
    })
    .sort((a, b) => a.number - b.number);
}

function loadExercise(id: string, exercisesDir: string, solutionsDir: string): Exercise {
  const [, number = '0', slug = ''] = FOLDER.exec(id) ?? [];
  const dir = path.join(exercisesDir, id);
  const metaPath = path.join(dir, 'exercise.json');
  if (!existsSync(metaPath)) throw new Error('it has no exercise.json (see CONTRIBUTING.md)');
  const meta = parseExerciseMeta(readFileSync(metaPath, 'utf8'), metaPath);
  const hintsPath = path.join(dir, 'hints.md');
  const hints = existsSync(hintsPath) ? parseHints(readFileSync(hintsPath, 'utf8'), hintsPath) : [];
  return {
    ...meta,
    id,
    number: Number(number),
    slug,
    dir,
    solutionDir: path.join(solutionsDir, id),
    lessonPath: path.join(dir, 'README.md'),
    hints,
  };
}

/** This copy of the kata has no reference solution for the exercise (a teacher's template leaves them out). */
export class SolutionUnavailableError extends Error {
  override name = 'SolutionUnavailableError';
}

export class UnknownExerciseError extends Error {
  override name = 'UnknownExerciseError';
}

export function resolveExercise(input: string, exercises: readonly Exercise[]): Exercise {
  const wanted = input.trim().toLowerCase();
  const asNumber = /^\d+$/.test(wanted) ? Number(wanted) : undefined;
  const found = exercises.find(
    (exercise) => exercise.id === wanted || exercise.slug === wanted || exercise.number === asNumber,
  );
  if (found) return found;
  const valid = exercises.map((exercise) => `  ${String(exercise.number).padStart(2)}  ${exercise.id}`).join('\n');
  throw new UnknownExerciseError(`There is no exercise "${input}". Valid ids (number, slug, or both):\n${valid}`);
}

export function totalPoints(exercise: ExerciseMeta): number {
  return exercise.steps.reduce((sum, step) => sum + step.points, 0);
}
