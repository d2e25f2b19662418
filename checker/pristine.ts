// The kata's own version of any file it ships, for `reset`. The manifest (checker/manifest.json) lists
// the git blob id of every kata file; git's object store gives the content back, whatever the learner
// has edited or committed since. The same ids tell whether a file is still the kata's own.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';

export const MANIFEST_FILE = path.join(ROOT, 'checker', 'manifest.json');
/** What the manifest covers: the exercise folders (stubs, tests, metadata, lessons). */
export const MANIFEST_ROOTS = ['exercises'];

export interface Manifest {
  version: 1;
  files: Record<string, string>;
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

function* walk(target: string): Generator<string> {
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

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;
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
