import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTLE_MS, watchSaves, type SaveWatch } from './saves.ts';

const dirs: string[] = [];
let watch: SaveWatch | undefined;
afterEach(() => {
  watch?.close();
  watch = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-saves-'));
  dirs.push(dir);
  return dir;
}

const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchSaves', () => {
  it('calls back once per save, however many writes and files it took, with the files it changed', async () => {
    const dir = folder();
    const saves: Array<{ dir: string; files: string[] }> = [];
    watch = watchSaves([dir], (where, files) => saves.push({ dir: where, files: files.sort() }));
    // An editor's safe write: a temporary file renamed over the real one, and a second file.
    writeFileSync(path.join(dir, 'join.ts.tmp'), 'a');
    renameSync(path.join(dir, 'join.ts.tmp'), path.join(dir, 'join.ts'));
    writeFileSync(path.join(dir, 'helpers.ts'), 'b');
    writeFileSync(path.join(dir, 'helpers.ts'), 'bb');
    await quiet(SETTLE_MS + 200);
    expect(saves).toEqual([{ dir, files: [path.join(dir, 'helpers.ts'), path.join(dir, 'join.ts')] }]);
  });

  it('ignores files no verdict depends on (an editor\'s swap and backup files, notes)', async () => {
    const dir = folder();
    let calls = 0;
    watch = watchSaves([dir], () => calls++);
    writeFileSync(path.join(dir, '.join.ts.swp'), 'x');
    writeFileSync(path.join(dir, 'join.ts~'), 'x');
    writeFileSync(path.join(dir, 'notes.md'), 'x');
    await quiet(SETTLE_MS + 200);
    expect(calls).toBe(0);
  });

  it('hears a deleted test file, and keeps watching the folders it can when one cannot be watched', async () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'join.test.ts'), 'x');
    const errors: unknown[] = [];
    const saves: string[][] = [];
    watch = watchSaves([path.join(dir, 'missing'), dir], (_dir, files) => saves.push(files), (error) => errors.push(error));
    expect(errors).toHaveLength(1);
    rmSync(path.join(dir, 'join.test.ts'));
    await quiet(SETTLE_MS + 200);
    expect(saves).toEqual([[path.join(dir, 'join.test.ts')]]);
  });

  it('calls nothing once closed, not even for a save still settling', async () => {
    const dir = folder();
    let calls = 0;
    watch = watchSaves([dir], () => calls++);
    writeFileSync(path.join(dir, 'join.ts'), 'x');
    await quiet(5);
    watch.close();
    writeFileSync(path.join(dir, 'join.ts'), 'y');
    await quiet(SETTLE_MS + 200);
    expect(calls).toBe(0);
  });
});
