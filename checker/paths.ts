// Where things live. Every other module asks here, so the layout is written down once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXERCISES_DIR = path.join(ROOT, 'exercises');
export const SOLUTIONS_DIR = path.join(ROOT, 'solutions');
// KATA_STATE_DIR lets the self-tests use a scratch folder instead of the learner's own progress.
export const STATE_DIR = process.env.KATA_STATE_DIR ? path.resolve(process.env.KATA_STATE_DIR) : path.join(ROOT, '.kata');
export const PROGRESS_FILE = path.join(STATE_DIR, 'progress.json');
export const BACKUP_DIR = path.join(STATE_DIR, 'backups');

/** Whether `file` is `dir` or somewhere below it. */
export function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** A path as the user should read it: relative to where they are, if it is below there; else in full. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && isInside(file, process.cwd()) ? relative : file;
}

/** Known-wrong variants of a reference solution live beside it, one folder per mistake. */
export function variantsDir(exerciseId: string): string {
  return path.join(SOLUTIONS_DIR, exerciseId, 'wrong');
}

/** Correct alternatives (the same lesson, written another way) live beside it too. */
export function alternativesDir(exerciseId: string): string {
  return path.join(SOLUTIONS_DIR, exerciseId, 'alt');
}

export function isTestFile(file: string): boolean {
  return /\.test\.ts$/.test(file);
}
