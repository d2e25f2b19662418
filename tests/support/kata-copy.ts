// A throwaway copy of the kata (the checker, the vitest config and some exercise folders) with its own
// manifest, for tests that edit files: the real tree is never touched, since other self-tests read
// it at the same time.
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../checker/paths.ts';
import { buildManifest, readManifest, type Manifest } from '../../checker/grading/pristine.ts';

export interface KataCopy {
  root: string;
  manifest: Manifest;
  file(relative: string): string;
}

export function copyKata(exerciseIds: readonly string[] = ['01-async-join']): KataCopy {
  const root = mkdtempSync(path.join(os.tmpdir(), 'kata-copy-'));
  for (const entry of ['checker', 'vitest.config.ts', 'package.json', '.npmrc', ...exerciseIds.map((id) => `exercises/${id}`)]) {
    cpSync(path.join(ROOT, entry), path.join(root, entry), {
      recursive: true,
      filter: (source) => path.basename(source) !== 'manifest.json',
    });
  }
  // The checker refuses to start without its dependencies; a link costs nothing ('junction' works on Windows too).
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'junction');
  // The copy ships the same tests as the kata: the test names are the kata's own.
  const manifest = { ...buildManifest(root), tests: readManifest().tests ?? {} };
  writeFileSync(path.join(root, 'checker', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { root, manifest, file: (relative) => path.join(root, relative) };
}
