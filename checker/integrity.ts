// Grading integrity (`verify --strict`): is this grade earned against the kata's own tests? Every
// file the kata ships is in the manifest (checker/pristine.ts) with its git blob id. A learner may
// change only their implementation files (each exercise.json `files`), the prose (lessons, hints)
// and add files of their own; anything else that differs means the grade cannot be trusted:
// - a shared file (the checker, its harness, the vitest configuration) affects every exercise;
// - an exercise's tests or metadata (or any other file it ships, such as a test fixture) affect it alone.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Exercise } from './exercises.ts';
import type { TamperedFile } from './grade.ts';
import { ROOT, isTestFile } from './paths.ts';
import { MANIFEST_FILE, PristineUnavailableError, matchesBlob, readManifest, walk, type Manifest } from './pristine.ts';

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
}

export function checkIntegrity(exercises: readonly Exercise[], options: IntegrityOptions = {}): IntegrityVerdict {
  const root = options.root ?? ROOT;
  const manifest = options.manifest ?? loadManifest();
  const verdict: IntegrityVerdict = { shared: [], exercises: new Map() };
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
    const restore = file.blob ? `  (the kata's: git show ${file.blob.slice(0, 12)})` : file.change === 'added' ? '  (remove it)' : '';
    return `  ${file.change.padEnd(7)}  ${file.file.padEnd(width)}${restore}`;
  });
  return [
    `Not graded: ${files.length === 1 ? 'this file is' : 'these files are'} not the kata's own, and only your implementation files may change:`,
    ...lines,
    ...(files.length > shown.length ? [`  … and ${files.length - shown.length} more`] : []),
    'Put the kata\'s version back (`git show <id> > <file>`, or undo your edit), then verify again.',
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
