// The checker as its users meet it: a learner without a terminal, a typo in an id, a broken progress
// file, a CI job. Each case runs the real entry point in a child process.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resetExercise } from '../checker/exercise-files.ts';
import { loadExercises } from '../checker/exercises.ts';
import { BACKUP_DIR, ROOT } from '../checker/paths.ts';
import { ProgressStore } from '../checker/progress.ts';
import { kata, scratchStateDir } from './support/cli.ts';
import { copyKata } from './support/kata-copy.ts';

describe('without a terminal', () => {
  it('npm start prints the progress table and exits 0', () => {
    const result = kata(['watch']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('No interactive terminal');
    expect(result.stdout).toMatch(/→ 01-async-join/);
    expect(result.stdout).toMatch(/Progress: \[-+\] 0\/\d+ exercises/);
  });

  it('npm start -- 3 starts on exercise 03, and an unknown id is refused', () => {
    const stateDir = scratchStateDir();
    const result = kata(['watch', '3'], { stateDir });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/→ 03-offload-cpu/);
    // It stays the current exercise.
    expect(kata(['watch'], { stateDir }).stdout).toMatch(/→ 03-offload-cpu/);
    const unknown = kata(['watch', '99']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/01-async-join/);
  });

  it('asks for --yes instead of waiting for an answer nobody can give', () => {
    const solution = kata(['solution', '1']);
    expect(solution.status).toBe(1);
    expect(solution.stdout).toContain('add --yes');
    const reset = kata(['reset', '1']);
    expect(reset.status).toBe(1);
    expect(reset.stdout).toContain('Nothing was changed');
  });
});

describe('bad input', () => {
  it('names the valid ids for an unknown exercise and exits 2', () => {
    const result = kata(['run', '99']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('There is no exercise "99"');
    expect(result.stderr).toContain('01-async-join');
  });

  it('refuses an empty id, extra ids and an unknown target, exit 2, with no stack trace', () => {
    for (const args of [['run', ''], ['run', '1', '2'], ['hint', '1', '3'], ['reset'], ['verify', '--target', 'bogus']]) {
      const result = kata(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).not.toMatch(/^\s+at /m);
    }
    expect(kata(['run', '']).stderr).toContain('There is no exercise ""');
    expect(kata(['run', '1', '2']).stderr).toContain('run takes one exercise id; it was given "1" "2"');
  });

  it('shows the usage for an unknown command or option and exits 2', () => {
    expect(kata(['frobnicate']).status).toBe(2);
    const option = kata(['verify', '--jsn']);
    expect(option.status).toBe(2);
    expect(option.stderr).toContain('Usage: npm run kata');
  });

  it('sets a corrupted progress file aside with a one-line warning and reruns only the exercises the learner changed', () => {
    const stateDir = scratchStateDir();
    writeFileSync(path.join(stateDir, 'progress.json'), '{ "version": 1, "exercises": ');
    // 01 solved, 02 still the stub the kata shipped: a stub fails every test, so only 01 runs.
    const copy = copyKata(['01-async-join', '02-profile-fetch']);
    writeFileSync(copy.file('exercises/01-async-join/join.ts'), readFileSync(path.join(ROOT, 'solutions', '01-async-join', 'join.ts')));
    const result = kata(['list'], { stateDir, cwd: copy.root });
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('warning:'))).toHaveLength(1);
    expect(result.stderr).toContain('Rechecking 01-async-join to rebuild your progress');
    expect(readdirSync(stateDir).some((name) => name.startsWith('progress.json.broken-'))).toBe(true);
    const rebuilt = JSON.parse(readFileSync(path.join(stateDir, 'progress.json'), 'utf8')) as { exercises: Record<string, { done: boolean }> };
    expect(rebuilt.exercises['01-async-join']?.done).toBe(true);
    expect(result.stdout).toMatch(/01-async-join +✓ passed/);
    expect(result.stdout).toMatch(/02-profile-fetch +· not run/);
  });
});

describe('a progress store it cannot use', () => {
  it('hint, solution and verify --json all still work when the state folder cannot be written, with one warning each', () => {
    const stateDir = path.join(scratchStateDir(), 'state');
    writeFileSync(stateDir, 'a file where the folder should be');
    const hinted = kata(['hint', '1'], { stateDir });
    expect(hinted.status).toBe(0);
    expect(hinted.stdout).toMatch(/Step 1 .*hint 1 of/);
    expect(hinted.stderr.split('\n').filter((line) => line.startsWith('warning: Could not save your progress'))).toHaveLength(1);
    const shown = kata(['solution', '1', '--yes'], { stateDir });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('Promise.all');
    const verified = kata(['verify', '1', '--json', '--no-strict'], { stateDir });
    expect(verified.status).toBe(1);
    expect((JSON.parse(verified.stdout) as { exercises: unknown[] }).exercises).toHaveLength(1);
    expect(verified.stderr).toMatch(/^warning: Could not save your progress/m);
  });

  it('a folder named progress.json is moved aside, and verify --json still prints its document', () => {
    const stateDir = scratchStateDir();
    mkdirSync(path.join(stateDir, 'progress.json'));
    const verified = kata(['verify', '1', '--json', '--no-strict'], { stateDir });
    expect((JSON.parse(verified.stdout) as { exercises: unknown[] }).exercises).toHaveLength(1);
    expect(verified.stderr).toMatch(/^warning: Progress file was unreadable \(EISDIR\): moved it to/m);
  });
});

describe('hints and solutions', () => {
  it('gives no hint for an exercise that passes: no step is failing', () => {
    const stateDir = scratchStateDir();
    const store = ProgressStore.load(path.join(stateDir, 'progress.json'));
    store.recordResults([{ id: '01-async-join', title: '', status: 'passed', points: 8, maxPoints: 8, steps: [], tests: [] }]);
    const result = kata(['hint', '1'], { stateDir });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/01-async-join passes: every step is done, no hint needed/);
    expect(result.stdout).not.toMatch(/hint 1 of/);
  });

  it('`run NN` makes NN the exercise being worked on: a bare `hint` then gives its hints', () => {
    const stateDir = scratchStateDir();
    const ran = kata(['run', '6'], { stateDir });
    expect(ran.status).toBe(1);
    expect(ran.stdout).toContain('press `h` in watch mode or run `npm run kata -- hint`');
    expect(kata(['hint'], { stateDir }).stdout).toMatch(/Step 1 \(.*\), hint 1 of/);
    const data = JSON.parse(readFileSync(path.join(stateDir, 'progress.json'), 'utf8')) as { current?: string; exercises: Record<string, { hints: Record<string, number> }> };
    expect(data.current).toBe('06-under-the-hood');
    expect(data.exercises['06-under-the-hood']?.hints).toEqual({ '1': 1 });
  });

  it('reveals the hints of the failing step one at a time, says which step, and remembers them', () => {
    const stateDir = scratchStateDir();
    expect(kata(['hint', '01'], { stateDir }).stdout).toMatch(/Step 1 \(join two waits\), hint 1 of \d[\s\S]*more for step 1: ask again/);
    const second = kata(['hint', 'async-join'], { stateDir });
    expect(second.stdout).toMatch(/hint 1 of \d[\s\S]*Step 1 \(join two waits\), hint 2 of \d/);
    expect(kata(['list'], { stateDir }).stdout).toContain('2 hints');
    // Once a run says step 3 fails, the hints are step 3's.
    const progress = path.join(stateDir, 'progress.json');
    const data = JSON.parse(readFileSync(progress, 'utf8')) as { exercises: Record<string, Record<string, unknown>> };
    data.exercises['01-async-join'] = { ...data.exercises['01-async-join'], failingStep: 3 };
    writeFileSync(progress, JSON.stringify(data));
    expect(kata(['hint', '01'], { stateDir }).stdout).toMatch(/^Step 3 \(fail fast, or collect every outcome\), hint 1 of/m);
  });

  it('shows the solution with a diff against the learner file, recorded as revealed early', () => {
    const stateDir = scratchStateDir();
    const result = kata(['solution', '1', '--yes'], { stateDir });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('solutions/01-async-join/join.ts');
    expect(result.stdout).toContain('Promise.all');
    expect(result.stdout).toMatch(/^-.*TODO step 1/m);
    expect(kata(['list'], { stateDir }).stdout).toContain('solution seen early');
  });
});

describe('reset', () => {
  it('restores the kata\'s original file from git and keeps a backup of the learner\'s', () => {
    const [exercise] = loadExercises();
    if (!exercise) throw new Error('no exercises');
    // A copy of the exercise folder stands in for the learner's, so the real one is never touched.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-reset-'));
    const file = path.join(dir, exercise.files[0] ?? '');
    writeFileSync(file, '// my half-done work\n');
    const backup = resetExercise({ ...exercise, dir });
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(path.join(exercise.dir, exercise.files[0] ?? ''), 'utf8'));
    expect(readFileSync(path.join(backup, exercise.files[0] ?? ''), 'utf8')).toBe('// my half-done work\n');
    expect(backup.startsWith(BACKUP_DIR)).toBe(true);
  });
});

describe('doctor', () => {
  it('checks the machine and says it is ready', () => {
    const result = kata(['doctor']);
    expect(result.stdout).toMatch(/✓ Node\.js: v\d+/);
    expect(result.stdout).toMatch(/dependencies: \d+ installed/);
    expect(result.status).toBe(0);
  });
});
