// exercise.json: the metadata the checker reads from each exercise folder. Validated here, so a typo
// in one file is reported with its path instead of surfacing as `undefined` somewhere else.
import { parseJsonFile } from './json-file.ts';

export interface StepMeta {
  title: string;
  points: number;
}

export interface ExerciseMeta {
  title: string;
  summary: string;
  /** The learner's files, relative to the exercise folder. */
  files: string[];
  steps: StepMeta[];
}

export function parseExerciseMeta(text: string, source: string): ExerciseMeta {
  const data = parseJsonFile(text, source);
  const problem = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!isRecord(data)) return problem('expected an object');
  const { title, summary, files, steps } = data;
  if (typeof title !== 'string' || title === '') problem('"title" must be a non-empty string');
  if (typeof summary !== 'string') problem('"summary" must be a string');
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === 'string')) {
    problem('"files" must list the learner\'s files');
  }
  if (!Array.isArray(steps) || steps.length === 0) problem('"steps" must list at least one step');
  const parsedSteps = (steps as unknown[]).map((step, i): StepMeta => {
    if (!isRecord(step) || typeof step.title !== 'string' || typeof step.points !== 'number' || step.points < 0) {
      return problem(`step ${i + 1} needs a "title" and non-negative "points"`);
    }
    return { title: step.title, points: step.points };
  });
  return { title: title as string, summary: summary as string, files: files as string[], steps: parsedSteps };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
