// The kata's own version of any file it ships. The manifest (checker/manifest.json) lists the git blob
// id of every kata file: git's object store gives the content back for `reset`, whatever the learner
// has edited or committed since, and `verify --strict` (checker/grading/integrity.ts) compares the same ids to
// tell whether the tests, the checker and its configuration are still the kata's own.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.ts';

export const MANIFEST_FILE = path.join(ROOT, 'checker', 'manifest.json');
/**
 * What the manifest covers: the exercise folders (stubs, tests, metadata, lessons), the checker (its
 * harness included) and the vitest configuration. Paths relative to the kata's root.
 */
export const MANIFEST_ROOTS = ['exercises', 'checker', 'vitest.config.ts'];

export interface Manifest {
  version: 1;
  files: Record<string, string>;
  /**
   * The tests the kata ships, by exercise and step (`testKey` names): a step earns its points only
   * if exactly these ran and passed. Written by `kata manifest`, which collects them from the tests.
   */
  tests?: Record<string, Record<string, string[]>>;
}

/** The id git gives a file's content (`git hash-object`), computed without git. */
export function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export function buildManifest(root = ROOT): Manifest {
  const files: Record<string, string> = {};
  for (const entry of MANIFEST_ROOTS) {
    for (const file of walk(path.join(root, entry))) {
      const relative = path.relative(root, file).split(path.sep).join('/');
      if (relative === 'checker/manifest.json') continue;
      files[relative] = gitBlobId(readFileSync(file));
    }
  }
  return { version: 1, files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) };
}

/** Every file under `target` (or `target` itself when it is a file), node_modules left out. */
export function* walk(target: string): Generator<string> {
  if (!existsSync(target)) return;
  if (statSync(target).isFile()) {
    yield target;
    return;
  }
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    yield* walk(path.join(target, entry.name));
  }
}

export function readManifest(file = MANIFEST_FILE): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/**
 * Whether `content` is the file whose blob id is `id`. A checkout with Windows line endings
 * (git's core.autocrlf) holds the same text with CRLF: that is still the kata's file.
 */
export function matchesBlob(content: Buffer, id: string): boolean {
  if (gitBlobId(content) === id) return true;
  if (!content.includes(13)) return false;
  return gitBlobId(Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')) === id;
}

/** Whether the file at `relativePath` is still exactly as the kata shipped it (false when unsure: no manifest, no such file). */
export function isAsShipped(relativePath: string, root = ROOT): boolean {
  try {
    const id = readManifest(path.join(root, 'checker', 'manifest.json')).files[relativePath];
    return id !== undefined && matchesBlob(readFileSync(path.join(root, relativePath)), id);
  } catch {
    return false;
  }
}

export class PristineUnavailableError extends Error {
  override name = 'PristineUnavailableError';
}

/** The kata's original content of `relativePath` (e.g. `exercises/01-async-join/join.ts`). */
export function pristineContent(relativePath: string): Buffer {
  const id = readManifest().files[relativePath];
  if (!id) throw new PristineUnavailableError(`${relativePath} is not a file the kata ships.`);
  try {
    return execFileSync('git', ['cat-file', 'blob', id], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    throw new PristineUnavailableError(
      `Could not read the original ${relativePath} from git (is this a git clone of the kata, and is git installed?).`,
      { cause: error },
    );
  }
}
