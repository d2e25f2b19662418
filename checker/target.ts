// The target switch: the same exercise test file runs unchanged against the learner's stub, the
// reference solution, a known-wrong variant or a correct alternative. Vite's resolver (for imports) and the worker-file
// helper (for piscina's `filename`) both go through `redirect`, so they can never disagree.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'vite';
import { EXERCISES_DIR, SOLUTIONS_DIR, alternativesDir, isTestFile, variantsDir } from './paths.ts';

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

/** The target chosen for this process (inherited by vitest's workers through the environment). */
export function currentTarget(): Target {
  return parseTarget(process.env[TARGET_ENV]);
}

/**
 * A worker file's URL under the current target: `workerUrl(new URL('./resize.worker.ts', import.meta.url))`.
 * Only needed when a test (not the implementation) names an exercise's worker file.
 */
export function workerUrl(url: URL): string {
  return pathToFileURL(redirect(fileURLToPath(url), currentTarget())).href;
}

/** The Vite plugin that redirects imports of exercise files to the chosen target. */
export function targetSwitch(target: Target): Plugin {
  return {
    name: 'kata-target-switch',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (target.kind === 'exercises') return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || resolved.external) return resolved;
      const [file, query = ''] = resolved.id.split('?');
      if (!file) return resolved;
      const mapped = redirect(file, target);
      return mapped === file ? resolved : { ...resolved, id: query ? `${mapped}?${query}` : mapped };
    },
  };
}
