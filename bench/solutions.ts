// Loads a reference solution or a known-wrong variant for the lesson rows. The exercises are written
// one at a time, so a missing file is normal: the row is skipped with a note naming the file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../checker/paths.ts';

export class MissingSolution extends Error {
  override name = 'MissingSolution';
}

/** A kata module (`relative` to the kata's root), imported; `exports` are the names the row needs. */
export async function loadModule<T>(relative: string, exports: readonly string[]): Promise<T> {
  const file = path.join(ROOT, relative);
  if (!existsSync(file)) throw new MissingSolution(`${relative} is not there yet`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const missing = exports.filter((name) => !(name in module));
  if (missing.length) throw new MissingSolution(`${relative} does not export ${missing.join(', ')}`);
  return module as T;
}

export function loadSolution<T>(relative: string, exports: readonly string[]): Promise<T> {
  return loadModule<T>(`solutions/${relative}`, exports);
}

export function solutionPath(relative: string): string {
  return path.join(ROOT, 'solutions', relative);
}
