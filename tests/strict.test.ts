// Grading integrity (verify --strict): every way a grade could be faked without earning it is caught,
// and nothing a learner is meant to change is flagged. Each case edits its own copy of the kata.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExercises } from '../checker/exercises.ts';
import { checkIntegrity, tamperedFilesOf } from '../checker/grading/integrity.ts';
import type { JsonReport } from '../checker/report/json.ts';
import { buildManifest } from '../checker/grading/pristine.ts';
import { copyKata, type KataCopy } from './support/kata-copy.ts';
import { kata } from './support/cli.ts';

const ID = '01-async-join';
const TEST_FILE = `exercises/${ID}/join.test.ts`;

function verdictAfter(edit: (copy: KataCopy) => void) {
  const copy = copyKata([ID]);
  edit(copy);
  const exercises = loadExercises(path.join(copy.root, 'exercises'), path.join(copy.root, 'solutions'));
  const verdict = checkIntegrity(exercises, { root: copy.root, manifest: copy.manifest });
  return { verdict, own: tamperedFilesOf(verdict, ID) };
}

function rewrite(copy: KataCopy, file: string, change: (text: string) => string): void {
  const before = readFileSync(copy.file(file), 'utf8');
  const after = change(before);
  expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
  writeFileSync(copy.file(file), after);
}

describe('verify --strict catches', () => {
  it('nothing in the kata as shipped', () => {
    const { verdict } = verdictAfter(() => {});
    expect(verdict.shared).toEqual([]);
    expect([...verdict.exercises]).toEqual([]);
  });

  it('an edited test file, for that exercise only', () => {
    const { verdict, own } = verdictAfter((copy) =>
      rewrite(copy, TEST_FILE, (text) => text.replace("describe('step 1: join two waits', () => {", "describe('step 1: join two waits', () => {\n  return;")),
    );
    expect(own).toEqual([{ file: TEST_FILE, change: 'changed', blob: expect.stringMatching(/^[0-9a-f]{40}$/) as string }]);
    expect(verdict.shared).toEqual([]);
  });

  it('a deleted step, in the tests or in the metadata', () => {
    const tests = verdictAfter((copy) => rewrite(copy, TEST_FILE, (text) => text.slice(0, text.indexOf("describe('step 4:"))));
    expect(tests.own.map((file) => file.file)).toEqual([TEST_FILE]);
    const metadata = verdictAfter((copy) =>
      rewrite(copy, `exercises/${ID}/exercise.json`, (text) => {
        const meta = JSON.parse(text) as { steps: unknown[] };
        return JSON.stringify({ ...meta, steps: meta.steps.slice(0, -1) });
      }),
    );
    expect(metadata.own).toMatchObject([{ file: `exercises/${ID}/exercise.json`, change: 'changed' }]);
  });

  it('an edited harness threshold, for every exercise', () => {
    const { verdict, own } = verdictAfter((copy) =>
      rewrite(copy, 'checker/harness/checks/joined.ts', (text) => text.replace('io.latencyMs * 2;', 'io.latencyMs * 20;')),
    );
    expect(verdict.shared).toMatchObject([{ file: 'checker/harness/checks/joined.ts', change: 'changed' }]);
    expect(own).toEqual(verdict.shared);
  });

  it('a changed configuration: the vitest config, or the kata project the checker builds', () => {
    const config = verdictAfter((copy) => rewrite(copy, 'vitest.config.ts', (text) => text.replace('fileParallelism: false', 'fileParallelism: true')));
    expect(config.verdict.shared).toMatchObject([{ file: 'vitest.config.ts', change: 'changed' }]);
    const project = verdictAfter((copy) => rewrite(copy, 'checker/running/kata-project.ts', (text) => text.replace('testTimeout: 15_000', 'testTimeout: 1')));
    expect(project.verdict.shared).toMatchObject([{ file: 'checker/running/kata-project.ts', change: 'changed' }]);
  });

  it('a deleted test file, an added test file, and code added to the checker', () => {
    const { verdict, own } = verdictAfter((copy) => {
      rmSync(copy.file(TEST_FILE));
      writeFileSync(copy.file(`exercises/${ID}/easy.test.ts`), "import { it } from 'vitest';\nit('passes', () => {});\n");
      writeFileSync(copy.file('checker/harness/shortcut.ts'), 'export {};\n');
    });
    expect(own.map(({ file, change }) => `${change} ${file}`)).toEqual([
      'added checker/harness/shortcut.ts',
      `missing ${TEST_FILE}`,
      `added exercises/${ID}/easy.test.ts`,
    ]);
    expect(verdict.shared).toHaveLength(1);
  });
});

describe('verify --strict leaves alone', () => {
  it('an edited stub, notes in the lesson and hints, a helper file of the learner\'s, Windows line endings', () => {
    const { verdict } = verdictAfter((copy) => {
      writeFileSync(copy.file(`exercises/${ID}/join.ts`), 'export const mine = 1;\n');
      appendFileSync(copy.file(`exercises/${ID}/README.md`), '\nmy notes\n');
      appendFileSync(copy.file(`exercises/${ID}/hints.md`), '\nmore\n');
      writeFileSync(copy.file(`exercises/${ID}/my-helpers.ts`), 'export {};\n');
      rewrite(copy, TEST_FILE, (text) => text.replace(/\n/g, '\r\n'));
    });
    expect(verdict.shared).toEqual([]);
    expect([...verdict.exercises]).toEqual([]);
  });
});

describe('strict grading that is not one command away', () => {
  it('refuses to grade anything but the learner\'s files: --solutions or --target under --strict, or under CI', () => {
    const explicit = kata(['verify', '1', '--strict', '--solutions', '--json']);
    expect(explicit.status).toBe(2);
    expect(explicit.stderr).toContain("Strict grading grades the learner's own files only");
    const byCi = kata(['verify', '1', '--solutions', '--json'], { env: { CI: 'true' } });
    expect(byCi.status).toBe(2);
    expect(byCi.stderr).toContain('it is on because CI is set');
    expect(kata(['verify', '1', '--strict', '--target', 'variant:01-async-join/no-abort']).status).toBe(2);
  });

  it('names what it graded in every report', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-reports-'));
    const junit = path.join(dir, 'junit.xml');
    const results = path.join(dir, 'results.json');
    const json = kata(['verify', '1', '--no-strict', '--solutions', '--json', '--junit', junit, '--results', results]);
    expect((JSON.parse(json.stdout) as JsonReport).target).toBe('solutions');
    expect(readFileSync(junit, 'utf8')).toContain('concurrency-kata (graded: solutions, not the learner&apos;s files)');
    expect(readFileSync(results, 'utf8')).toContain('[graded: solutions] 01-async-join');
    const classroom = kata(['verify', '1', '--no-strict', '--solutions', '--classroom']);
    const result = JSON.parse(classroom.stdout) as { target: string; tests: Array<{ name: string }> };
    expect(result.target).toBe('solutions');
    expect(result.tests.every((test) => test.name.startsWith('[graded: solutions] '))).toBe(true);
  });

  it('trusts the manifest of the commit the kata was handed out at, not one regenerated after editing a test', () => {
    const copy = copyKata([ID]);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=kata', '-c', 'user.email=kata@example.invalid', ...args], { cwd: copy.root, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'the kata as handed out');
    const base = git('rev-list', '--max-parents=0', 'HEAD');
    rewrite(copy, TEST_FILE, (text) => text.replace("describe('step 4:", "describe.skip('step 4:"));
    // What `npm run kata -- manifest` would do in the learner's copy: list the edited test as the kata's.
    writeFileSync(copy.file('checker/manifest.json'), `${JSON.stringify({ ...buildManifest(copy.root), tests: copy.manifest.tests }, null, 2)}\n`);
    git('commit', '-qam', 'an easier test, and a manifest that says so');
    const fooled = checkIntegrity(loadExercises(copy.file('exercises'), copy.file('solutions')), { root: copy.root, manifest: buildManifest(copy.root) });
    expect(tamperedFilesOf(fooled, ID), 'without --base, a regenerated manifest hides the edit (the documented limit)').toEqual([]);
    const result = kata(['verify', '--strict', '--base', base, '--json'], { cwd: copy.root });
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.exercises[0]?.status).toBe('tampered');
    expect(report.exercises[0]?.tampered?.map((file) => `${file.change} ${file.file}`)).toEqual([`changed checker/manifest.json`, `changed ${TEST_FILE}`]);
    const unknown = kata(['verify', '--strict', '--base', 'no-such-commit', '--json'], { cwd: copy.root });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('git has no checker/manifest.json at no-such-commit');
  });

  it('does not grade a file that imports the reference solution', () => {
    const { own } = verdictAfter((copy) => writeFileSync(copy.file(`exercises/${ID}/join.ts`), "export * from '../../solutions/01-async-join/join.ts';\n"));
    expect(own).toEqual([{ file: `exercises/${ID}/join.ts`, change: 'imports-solution' }]);
  });
});

describe('a copy of the kata without solutions/ (a teacher\'s template)', () => {
  it('grades, lists and gives hints; says there is no solution to show or grade', () => {
    const copy = copyKata([ID]);
    const verified = kata(['verify', '1', '--no-strict', '--json'], { cwd: copy.root });
    expect(verified.status).toBe(1);
    expect((JSON.parse(verified.stdout) as JsonReport).exercises[0]).toMatchObject({ id: ID, status: 'failed', points: 0 });
    expect(kata(['list'], { cwd: copy.root }).status).toBe(0);
    expect(kata(['hint', '1'], { cwd: copy.root }).stdout).toContain('hint 1 of');
    const solution = kata(['solution', '1', '--yes'], { cwd: copy.root });
    expect(solution.status).toBe(1);
    expect(solution.stderr).toContain('This copy of the kata has no reference solution for 01-async-join');
    const solutions = kata(['verify', '--no-strict', '--solutions'], { cwd: copy.root });
    expect(solutions.status).toBe(2);
    expect(solutions.stderr).toContain('has no reference solutions');
  });
});

describe('verify --strict from the command line', () => {
  it('grades a tampered exercise 0 points without running it, and lists the changed file', () => {
    const copy = copyKata([ID]);
    rewrite(copy, TEST_FILE, (text) => text.replace("describe('step 4:", "describe.skip('step 4:"));
    const result = kata(['verify', '--strict', '--json'], { cwd: copy.root });
    expect(result.status, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toMatchObject({ version: 3, target: 'exercises', status: 'failed', points: 0, maxPoints: 8 });
    expect(report.exercises[0]).toMatchObject({ id: ID, status: 'tampered', points: 0, tests: [], tampered: [{ file: TEST_FILE, change: 'changed' }] });
  });
});
