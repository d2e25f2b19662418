import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExerciseReport } from '../checker/grading/grade.ts';
import { totalHints } from '../checker/formats/progress-file.ts';
import { ProgressStore } from '../checker/progress.ts';

function tempFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'kata-progress-')), 'progress.json');
}

function report(id: string, status: ExerciseReport['status']): ExerciseReport {
  return { id, title: id, status, points: 0, maxPoints: 1, steps: [], tests: [] };
}

describe('progress store', () => {
  it('starts empty when there is no file, and writes nothing until something happens', () => {
    const file = tempFile();
    const store = ProgressStore.load(file);
    expect(store.entry('01-async-join')).toEqual({ done: false, hints: {} });
    expect(existsSync(file)).toBe(false);
  });

  it('remembers done exercises, first-pass time, hints and the current exercise across loads', () => {
    const file = tempFile();
    const store = ProgressStore.load(file);
    store.recordResults([report('01-async-join', 'passed')], new Date('2026-01-01T00:00:00Z'));
    store.recordHint('02-profile-fetch', 3, 2);
    store.setCurrent('02-profile-fetch');
    const again = ProgressStore.load(file);
    expect(again.entry('01-async-join')).toMatchObject({ done: true, lastStatus: 'passed', firstPassedAt: '2026-01-01T00:00:00.000Z' });
    expect(again.entry('02-profile-fetch').hints).toEqual({ '3': 2 });
    expect(again.current).toBe('02-profile-fetch');
  });

  it('rechecks "done": an exercise that breaks later is no longer done, but keeps its first-pass time', () => {
    const store = ProgressStore.load(tempFile());
    store.recordResults([report('01-async-join', 'passed')], new Date('2026-01-01T00:00:00Z'));
    store.recordResults([report('01-async-join', 'failed')]);
    expect(store.entry('01-async-join')).toMatchObject({ done: false, lastStatus: 'failed', firstPassedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('records a solution seen before passing as early, and after passing as after-pass', () => {
    const store = ProgressStore.load(tempFile());
    store.recordSolutionShown('01-async-join');
    store.recordResults([report('02-profile-fetch', 'passed')]);
    store.recordSolutionShown('02-profile-fetch');
    expect(store.entry('01-async-join').solutionRevealed).toBe('early');
    expect(store.entry('02-profile-fetch').solutionRevealed).toBe('after-pass');
  });

  it('counts the hints shown per step, and never counts down', () => {
    const store = ProgressStore.load(tempFile());
    store.recordHint('01-async-join', 2, 3);
    store.recordHint('01-async-join', 2, 1);
    store.recordHint('01-async-join', 4, 1);
    expect(store.entry('01-async-join').hints).toEqual({ '2': 3, '4': 1 });
    expect(totalHints(store.entry('01-async-join'))).toBe(4);
  });

  it('remembers the first step that failed, for the hints, until the exercise passes', () => {
    const store = ProgressStore.load(tempFile());
    const steps = (...passed: boolean[]) => passed.map((ok, i) => ({ step: i + 1, title: '', status: ok ? 'passed' as const : 'failed' as const, points: 0, maxPoints: 1 }));
    store.recordResults([{ ...report('01-async-join', 'failed'), steps: steps(true, false, false) }]);
    expect(store.entry('01-async-join').failingStep).toBe(2);
    store.recordResults([{ ...report('01-async-join', 'passed'), steps: steps(true, true, true) }]);
    expect(store.entry('01-async-join').failingStep).toBeUndefined();
  });

  it('reads a version 1 file, keeping its hint count', () => {
    const file = tempFile();
    writeFileSync(file, JSON.stringify({ version: 1, current: '01-async-join', exercises: { '01-async-join': { done: false, hintsShown: 2 } } }));
    const store = ProgressStore.load(file);
    expect(store.takeWarnings()).toEqual([]);
    expect(totalHints(store.entry('01-async-join'))).toBe(2);
    expect(store.current).toBe('01-async-join');
  });

  it.each([
    ['not JSON', '{"version": 1, "exerc'],
    ['empty', ''],
    ['not an object', '[1, 2]'],
  ])('sets a file that is %s aside with a warning, and leaves every "done" to the tests', (_name, content) => {
    const file = tempFile();
    writeFileSync(file, content);
    const store = ProgressStore.load(file);
    expect(store.takeWarnings()).toEqual([expect.stringMatching(/was unreadable \(not a progress file the kata can read\): moved it to .*progress\.json\.broken-.*; nothing in it could be read, so whether each exercise is done is rechecked \(not done if still as shipped, else by its tests\)/)]);
    expect(store.needsRecheck('01-async-join')).toBe(true);
    expect(store.entry('01-async-join').done).toBe(false);
    const aside = readdirSync(path.dirname(file)).find((name) => name.startsWith('progress.json.broken-'));
    expect(aside).toBeDefined();
    expect(readFileSync(path.join(path.dirname(file), aside ?? ''), 'utf8')).toBe(content);
  });

  it('keeps everything a damaged file still says: a bad entry costs only what is bad in it, and only a lost "done" is rechecked', () => {
    const file = tempFile();
    const content = JSON.stringify({
      version: 2,
      current: '02-profile-fetch',
      exercises: {
        '01-async-join': { done: true, lastStatus: 'passed', points: 8, firstPassedAt: '2026-01-01T00:00:00.000Z', hints: { '1': 2 } },
        '02-profile-fetch': { done: 'yes', hints: { '2': 3 }, solutionRevealed: 'early', failingStep: 2 },
        '03-offload-cpu': 'garbage',
        '04-shared-state': { done: false, hints: { '1': -1, '2': 1 } },
      },
    });
    writeFileSync(file, content);
    const store = ProgressStore.load(file);
    const [warning] = store.takeWarnings();
    expect(warning).toMatch(/was damaged \(could not read 02-profile-fetch: done; everything about 03-offload-cpu; 04-shared-state: the hint count of step 1\): moved it to .*progress\.json\.broken-.*; kept everything else in it \(hints, solutions seen, what passed\); whether 02-profile-fetch, 03-offload-cpu are done is rechecked \(not done if still as shipped, else by its tests\)\./);
    expect(store.current).toBe('02-profile-fetch');
    expect(store.entry('01-async-join')).toEqual({ done: true, lastStatus: 'passed', points: 8, firstPassedAt: '2026-01-01T00:00:00.000Z', hints: { '1': 2 } });
    expect(store.entry('02-profile-fetch')).toEqual({ done: false, hints: { '2': 3 }, solutionRevealed: 'early', failingStep: 2 });
    expect(store.entry('04-shared-state').hints).toEqual({ '2': 1 });
    // Only the tests can say whether 02 and 03 are done; 01 and 04 said it themselves.
    expect(['01-async-join', '02-profile-fetch', '03-offload-cpu', '04-shared-state'].filter((id) => store.needsRecheck(id))).toEqual(['02-profile-fetch', '03-offload-cpu']);
    store.recordResults([report('02-profile-fetch', 'passed')]);
    expect(store.needsRecheck('02-profile-fetch')).toBe(false);
    // The damaged file is kept as it was; what was kept is on disk at once, and reads clean next time.
    const aside = readdirSync(path.dirname(file)).find((name) => name.startsWith('progress.json.broken-'));
    expect(readFileSync(path.join(path.dirname(file), aside ?? ''), 'utf8')).toBe(content);
    const again = ProgressStore.load(file);
    expect(again.takeWarnings()).toEqual([]);
    expect(again.entry('02-profile-fetch').hints).toEqual({ '2': 3 });
    expect(again.entry('01-async-join').done).toBe(true);
  });

  it('reads what it knows of a file of an unknown version, and says so', () => {
    const file = tempFile();
    writeFileSync(file, JSON.stringify({ version: 99, exercises: { '01-async-join': { done: true, hints: { '1': 1 } } } }));
    const store = ProgressStore.load(file);
    expect(store.takeWarnings()).toEqual([expect.stringMatching(/damaged \(could not read its version \(99\)\): moved it to .*; kept everything else in it .*; nothing needs rechecking\./)]);
    expect(store.entry('01-async-join')).toMatchObject({ done: true, hints: { '1': 1 } });
    expect(store.needsRecheck('01-async-join')).toBe(false);
  });

  it('sets aside a folder where the file should be, and rebuilds', () => {
    const file = tempFile();
    mkdirSync(file);
    const store = ProgressStore.load(file);
    expect(store.takeWarnings()).toEqual([expect.stringMatching(/was unreadable \(EISDIR\): moved it to/)]);
    store.recordHint('01-async-join', 1, 1);
    expect(statSync(file).isFile()).toBe(true);
  });

  it('keeps progress in memory, with one warning, when the file cannot be moved aside (a read-only folder)', () => {
    const file = tempFile();
    writeFileSync(file, 'not json');
    const readOnly = () => {
      throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    };
    const store = ProgressStore.load(file, readOnly);
    expect(store.takeWarnings()).toEqual([expect.stringMatching(/cannot be moved aside \(EROFS\): your progress is kept in memory for this run only/)]);
    store.recordHint('01-async-join', 1, 1);
    expect(store.entry('01-async-join').hints).toEqual({ '1': 1 });
    expect(readFileSync(file, 'utf8')).toBe('not json');
    expect(store.takeWarnings()).toEqual([]);
  });

  it('keeps progress in memory, with one warning, when its folder cannot be written', () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'kata-progress-'));
    writeFileSync(path.join(parent, 'state'), 'a file where the folder should be');
    const store = ProgressStore.load(path.join(parent, 'state', 'progress.json'));
    store.recordHint('01-async-join', 1, 1);
    store.recordHint('01-async-join', 1, 2);
    expect(store.takeWarnings()).toEqual([expect.stringMatching(/Could not save your progress .*\(E(NOTDIR|EXIST)\): it is kept in memory/)]);
    expect(store.entry('01-async-join').hints).toEqual({ '1': 2 });
  });

  it('removes the temp files a killed run left behind, but not one another checker is writing now', () => {
    const file = tempFile();
    const dir = path.dirname(file);
    writeFileSync(path.join(dir, 'progress.json.123456'), '{');
    writeFileSync(path.join(dir, 'progress.json.654321'), '{');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(path.join(dir, 'progress.json.123456'), old, old);
    ProgressStore.load(file);
    expect(readdirSync(dir).sort()).toEqual(['progress.json.654321']);
  });

  it('writes atomically: only the finished file is left, never a temp file', () => {
    const file = tempFile();
    const store = ProgressStore.load(file);
    for (let i = 0; i < 20; i++) store.recordHint('01-async-join', 1, i);
    expect(readdirSync(path.dirname(file))).toEqual(['progress.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 2 });
  });
});
