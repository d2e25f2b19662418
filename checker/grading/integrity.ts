// Grading integrity (`verify --strict`): is this grade earned against the kata's own tests? Every
// file the kata ships is in the manifest (checker/grading/pristine.ts) with its git blob id. A learner may
// change only their implementation files (each exercise.json `files`), the prose (lessons, hints)
// and add files of their own; anything else that differs means the grade cannot be trusted:
// - a shared file (the checker, its harness, the vitest configuration) affects every exercise;
// - an exercise's tests or metadata (or any other file it ships, such as a test fixture) affect it alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from '../exercises.ts';
import type { TamperedFile } from './grade.ts';
import { ROOT, isTestFile } from '../paths.ts';
import { MANIFEST_FILE, PristineUnavailableError, matchesBlob, readManifest, walk, type Manifest } from './pristine.ts';

const MANIFEST_FILE_IN_KATA = 'checker/manifest.json';
/** An import (static, dynamic or require) of a path through the kata's solutions/ folder. */
const IMPORTS_SOLUTION = /(?:from|import|require)\s*\(?\s*(['"`])[^'"`]*\bsolutions\/[^'"`]*\1/;

export interface IntegrityVerdict {
  /** Changed shared files: every exercise is tampered. */
  shared: TamperedFile[];
  /** Changed files of one exercise, by exercise id (only exercises with changes). */
  exercises: Map<string, TamperedFile[]>;
}

export interface IntegrityOptions {
  /** The kata's root folder (a copy of it in the self-tests). */
  root?: string;
  manifest?: Manifest;
  /**
   * The git blob id of the trusted manifest (`verify --strict --base`): the working tree's
   * checker/manifest.json must be that very file, or a learner could list their own edits as the kata's.
   */
  manifestBlob?: string;
}

/** The manifest of git commit `rev` (the kata as the learner got it), with its blob id. */
export function manifestAt(rev: string, root = ROOT): Required<Pick<IntegrityOptions, 'manifest' | 'manifestBlob'>> {
  const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const where = `${rev}:checker/manifest.json`;
  try {
    const manifestBlob = git(['rev-parse', '--verify', '--quiet', where]).trim();
    return { manifest: JSON.parse(git(['cat-file', 'blob', manifestBlob])) as Manifest, manifestBlob };
  } catch (error) {
    throw new PristineUnavailableError(
      `verify --strict --base ${rev}: git has no checker/manifest.json at ${rev} (${firstLine((error as { stderr?: string }).stderr ?? (error as Error).message) || 'not found'}). Name the commit the kata was handed out at (in a repository made from a template, its first commit; the workflow's KATA_BASE variable sets it), and fetch the history (actions/checkout with fetch-depth: 0).`,
      { cause: error },
    );
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

export function checkIntegrity(exercises: readonly Exercise[], options: IntegrityOptions = {}): IntegrityVerdict {
  const root = options.root ?? ROOT;
  const manifest = options.manifest ?? loadManifest();
  const verdict: IntegrityVerdict = { shared: [], exercises: new Map() };
  if (options.manifestBlob) {
    const own = path.join(root, MANIFEST_FILE_IN_KATA);
    if (!existsSync(own)) verdict.shared.push({ file: MANIFEST_FILE_IN_KATA, change: 'missing', blob: options.manifestBlob });
    else if (!matchesBlob(readFileSync(own), options.manifestBlob)) verdict.shared.push({ file: MANIFEST_FILE_IN_KATA, change: 'changed', blob: options.manifestBlob });
  }
  const byId = new Map(exercises.map((exercise) => [exercise.id, exercise]));
  const note = (owner: string | undefined, file: TamperedFile) => {
    if (owner === undefined) verdict.shared.push(file);
    else verdict.exercises.set(owner, [...(verdict.exercises.get(owner) ?? []), file]);
  };

  for (const [file, id] of Object.entries(manifest.files)) {
    const owner = ownerOf(file);
    if (owner !== undefined) {
      const exercise = byId.get(owner.id);
      // A whole exercise gone changes what the grade is out of: that is everybody's business.
      if (!exercise) {
        if (!existsSync(path.join(root, file))) note(undefined, { file, change: 'missing', blob: id });
        continue;
      }
      if (learnerMayChange(exercise, owner.rest)) continue;
    }
    const absolute = path.join(root, file);
    if (!existsSync(absolute)) note(owner?.id, { file, change: 'missing', blob: id });
    else if (!matchesBlob(readFileSync(absolute), id)) note(owner?.id, { file, change: 'changed', blob: id });
  }

  // Additions that change what is graded: a test file of the learner's, an exercise the kata does
  // not ship, or code dropped into the checker.
  for (const exercise of exercises) {
    for (const absolute of walk(exercise.dir)) {
      const file = relativeTo(root, absolute);
      if (file in manifest.files) continue;
      if (isTestFile(file) || file === `exercises/${exercise.id}/exercise.json`) note(exercise.id, { file, change: 'added' });
    }
  }
  // A learner's file that re-exports the reference solution would pass every test without a line of its own.
  for (const exercise of exercises) {
    for (const file of exercise.files) {
      const absolute = path.join(root, 'exercises', exercise.id, file);
      if (existsSync(absolute) && IMPORTS_SOLUTION.test(readFileSync(absolute, 'utf8'))) {
        note(exercise.id, { file: relativeTo(root, absolute), change: 'imports-solution' });
      }
    }
  }
  for (const absolute of walk(path.join(root, 'checker'))) {
    const file = relativeTo(root, absolute);
    if (file === 'checker/manifest.json' || file in manifest.files || path.basename(file).startsWith('.')) continue;
    note(undefined, { file, change: 'added' });
  }
  return verdict;
}

/** Every tampered file that concerns one exercise: the shared ones, then its own. */
export function tamperedFilesOf(verdict: IntegrityVerdict, exerciseId: string): TamperedFile[] {
  return [...verdict.shared, ...(verdict.exercises.get(exerciseId) ?? [])];
}

/** What a learner reads about a tampered exercise, in every reporter. */
export function explainTampered(files: readonly TamperedFile[]): string {
  const shown = files.slice(0, 20);
  const width = Math.max(...shown.map((file) => file.file.length));
  const lines = shown.map((file) => {
    const restore = file.blob
      ? `  (the kata's: git show ${file.blob.slice(0, 12)})`
      : file.change === 'added'
        ? '  (remove it)'
        : file.change === 'imports-solution'
          ? "  (it imports the kata's reference solution: write your own code)"
          : '';
    return `  ${file.change.padEnd(7)}  ${file.file.padEnd(width)}${restore}`;
  });
  const copies = files.every((file) => file.change === 'imports-solution');
  return [
    copies
      ? `Not graded: your ${files.length === 1 ? 'file imports' : 'files import'} the kata's reference solution instead of solving the exercise:`
      : `Not graded: ${files.length === 1 ? 'this file is' : 'these files are'} not the kata's own, and only your implementation files may change:`,
    ...lines,
    ...(files.length > shown.length ? [`  … and ${files.length - shown.length} more`] : []),
    copies
      ? 'Strict grading grades code you wrote: replace the import with your own implementation, then verify again.'
      : 'Put the kata\'s version back (`git show <id> > <file>`, or undo your edit), then verify again.',
  ].join('\n');
}

/** The learner's own implementation files, and the prose (the lesson, the hints), are theirs to edit. */
function learnerMayChange(exercise: Exercise, fileInExercise: string): boolean {
  return exercise.files.includes(fileInExercise) || fileInExercise.endsWith('.md');
}

function ownerOf(file: string): { id: string; rest: string } | undefined {
  const match = /^exercises\/([^/]+)\/(.+)$/.exec(file);
  return match?.[1] && match[2] ? { id: match[1], rest: match[2] } : undefined;
}

function relativeTo(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join('/');
}

function loadManifest(): Manifest {
  try {
    return readManifest();
  } catch (error) {
    throw new PristineUnavailableError(
      `verify --strict needs ${path.relative(process.cwd(), MANIFEST_FILE) || MANIFEST_FILE} (the kata's list of its own files), and it cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
