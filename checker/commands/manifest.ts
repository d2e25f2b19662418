import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import type { Context } from '../context.ts';
import { MANIFEST_FILE, buildManifest } from '../grading/pristine.ts';
import { collectTestNames } from '../running/runner.ts';

/**
 * `manifest` (for maintainers): rewrite checker/manifest.json after changing any file the kata ships:
 * the git blob id of every file, and the tests of every step (collected from the test files).
 */
export async function manifest(ctx: Context): Promise<number> {
  const next = `${JSON.stringify({ ...buildManifest(), tests: await collectTestNames(ctx.exercises) }, null, 2)}\n`;
  let previous = '';
  try {
    previous = readFileSync(MANIFEST_FILE, 'utf8');
  } catch {
    // First time.
  }
  if (previous === next) {
    ctx.out('checker/manifest.json is up to date.');
    return 0;
  }
  writeFileAtomic.sync(MANIFEST_FILE, next);
  ctx.out('Updated checker/manifest.json: commit it with your change.');
  return 0;
}
