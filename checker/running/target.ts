// The target switch: the same exercise test file runs unchanged against the learner's stub, the
// reference solution, a known-wrong variant or a correct alternative. Vite's resolver (for imports) and the worker-file
// helper (for piscina's `filename`) both go through `redirect`, so they can never disagree.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'vite';
import { EXERCISES_DIR, SOLUTIONS_DIR, alternativesDir, isInside, isTestFile, variantsDir } from '../paths.ts';

export type Target =
  | { kind: 'exercises' }
  | { kind: 'solutions' }
  | { kind: 'variant'; exercise: string; variant: string }
  | { kind: 'alt'; exercise: string; alt: string };

export const TARGET_ENV = 'KATA_TARGET';

export class TargetError extends Error {
  override name = 'TargetError';
}

/** `exercises` (default), `solutions`, `variant:<exercise-id>/<variant>` or `alt:<exercise-id>/<alternative>`. */
export function parseTarget(text: string | undefined): Target {
  if (text === undefined || text === '' || text === 'exercises') return { kind: 'exercises' };
  if (text === 'solutions') return { kind: 'solutions' };
  const match = /^(variant|alt):([^/]+)\/([^/]+)$/.exec(text);
  if (match?.[2] && match[3]) {
    return match[1] === 'alt'
      ? { kind: 'alt', exercise: match[2], alt: match[3] }
      : { kind: 'variant', exercise: match[2], variant: match[3] };
  }
  throw new TargetError(
    `"${text}" is not a target: use "exercises", "solutions", "variant:<exercise-id>/<variant>" or "alt:<exercise-id>/<alternative>".`,
  );
}

export function formatTarget(target: Target): string {
  switch (target.kind) {
    case 'variant':
      return `variant:${target.exercise}/${target.variant}`;
    case 'alt':
      return `alt:${target.exercise}/${target.alt}`;
    default:
      return target.kind;
  }
}

/**
 * Maps an absolute path under `exercises/<id>/` to the file that should stand in for it.
 * Test files are never redirected (they are the fixed point); a file with no counterpart stays put.
 */
export function redirect(file: string, target: Target): string {
  if (target.kind === 'exercises' || isTestFile(file)) return file;
  const relative = path.relative(EXERCISES_DIR, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  const [exercise, ...rest] = relative.split(path.sep);
  if (!exercise || rest.length === 0) return file;
  const candidates: string[] = [];
  if (target.kind === 'variant' && target.exercise === exercise) {
    candidates.push(path.join(variantsDir(exercise), target.variant, ...rest));
  }
  if (target.kind === 'alt' && target.exercise === exercise) {
    candidates.push(path.join(alternativesDir(exercise), target.alt, ...rest));
  }
  candidates.push(path.join(SOLUTIONS_DIR, exercise, ...rest));
  return candidates.find((candidate) => existsSync(candidate)) ?? file;
}

/**
 * One test process can run one test file against several targets, one after the other (the kata's
 * own proof runs the stub, the solution, every alternative and every variant of an exercise in one
 * process). The test file's module id then says which: `join.test.ts?kata-target=solutions`, and
 * `kata-steps=2,3` names the steps to run (the others are skipped by the kata's test runner).
 */
export const TARGET_QUERY = 'kata-target';
export const STEPS_QUERY = 'kata-steps';
export const BAIL_QUERY = 'kata-bail';

export interface TargetedFile {
  file: string;
  /** Undefined: the target of the project (or of the process). */
  target?: Target;
  /** Undefined: every step. */
  steps?: number[];
  /**
   * Stop once a test fails with a message that contains this (a known-wrong variant: once a message
   * names its mistake, the rest of its step proves nothing more).
   */
  bailOn?: string;
}

/** The module id that runs `file` against `target`, limited to `steps` when given. */
export function targetedId({ file, target, steps, bailOn }: TargetedFile): string {
  const query = new URLSearchParams();
  if (target) query.set(TARGET_QUERY, formatTarget(target));
  if (steps) query.set(STEPS_QUERY, steps.join(','));
  // Encoded: a phrase such as `process.nextTick` at the end of a module id reads as a file extension to Vite.
  if (bailOn) query.set(BAIL_QUERY, Buffer.from(bailOn).toString('base64url'));
  const text = query.toString();
  return text ? `${file}?${text}` : file;
}

export function parseTargetedId(id: string): TargetedFile {
  const [file = id, text = ''] = id.split('?');
  const query = new URLSearchParams(text);
  const target = query.get(TARGET_QUERY);
  const steps = query.get(STEPS_QUERY);
  return {
    file,
    ...(target ? { target: parseTarget(target) } : {}),
    ...(steps ? { steps: steps.split(',').map(Number).filter((step) => Number.isInteger(step)) } : {}),
    ...(query.get(BAIL_QUERY) ? { bailOn: Buffer.from(query.get(BAIL_QUERY) ?? '', 'base64url').toString() } : {}),
  };
}

/** Set by the kata's test runner (checker/running/step-runner.ts) while a test file runs against a target of its own. */
const RUNNING_TARGET = Symbol.for('concurrency-kata.running-target');
type WithRunningTarget = typeof globalThis & { [RUNNING_TARGET]?: Target };

export function setRunningTarget(target: Target | undefined): void {
  (globalThis as WithRunningTarget)[RUNNING_TARGET] = target;
}

/** The target of the test file running now, else the one chosen for this process (KATA_TARGET). */
export function currentTarget(): Target {
  return (globalThis as WithRunningTarget)[RUNNING_TARGET] ?? parseTarget(process.env[TARGET_ENV]);
}

/**
 * A worker file's URL under the current target: `workerUrl(new URL('./resize.worker.ts', import.meta.url))`.
 * Only needed when a test (not the implementation) names an exercise's worker file.
 */
export function workerUrl(url: URL): string {
  return pathToFileURL(redirect(fileURLToPath(url), currentTarget())).href;
}

/**
 * The Vite plugin that redirects imports of exercise files to the target: the one its importer names
 * (a test file run against a target of its own passes it on to every kata file it imports, and they
 * to theirs), else the project's.
 */
export function targetSwitch(projectTarget: Target): Plugin {
  return {
    name: 'kata-target-switch',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const carried = importer?.includes(`${TARGET_QUERY}=`) ? parseTargetedId(importer).target : undefined;
      const target = carried ?? projectTarget;
      if (target.kind === 'exercises' && !carried) return null;
      const resolved =
        (await this.resolve(source, importer, { ...options, skipSelf: true })) ??
        // A variant's or an alternative's file imports its neighbours as the learner's file would
        // (`./promise.ts`), though only the files that differ sit beside it: resolve from its place in the exercise.
        (source.startsWith('.') && importer ? await this.resolve(source, placeInExercise(importer.split('?')[0] ?? importer), { ...options, skipSelf: true }) : null);
      if (!resolved || resolved.external) return resolved;
      const [file, query = ''] = resolved.id.split('?');
      if (!file) return resolved;
      const mapped = redirect(file, target);
      // Each target gets its own instances of the kata's files; shared code (the harness) stays shared.
      const carry = carried && isKataFile(mapped) ? targetedId({ file: mapped, target: carried }) : mapped;
      if (carry === file) return resolved;
      return { ...resolved, id: query ? `${carry}${carry.includes('?') ? '&' : '?'}${query}` : carry };
    },
  };
}

/**
 * The exercise file a file of the solutions stands in for: `solutions/06-x/alt/y/runtime.ts` and
 * `solutions/06-x/runtime.ts` both stand in for `exercises/06-x/runtime.ts`. Any other file is its own place.
 */
export function placeInExercise(file: string): string {
  const relative = path.relative(SOLUTIONS_DIR, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  const [exercise, ...rest] = relative.split(path.sep);
  if (!exercise || rest.length === 0) return file;
  const inFolder = (dir: string) => {
    const within = path.relative(dir, file).split(path.sep);
    return within[0] !== '..' && within.length > 1 ? within.slice(1) : undefined;
  };
  const own = inFolder(variantsDir(exercise)) ?? inFolder(alternativesDir(exercise)) ?? rest;
  return path.join(EXERCISES_DIR, exercise, ...own);
}

function isKataFile(file: string): boolean {
  return [EXERCISES_DIR, SOLUTIONS_DIR].some((dir) => isInside(file, dir));
}
