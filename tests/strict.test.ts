// Grading integrity (verify --strict): every way a grade could be faked without earning it is caught,
// and nothing a learner is meant to change is flagged. Each case edits its own copy of the kata.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExercises } from '../checker/exercises.ts';
import { checkIntegrity, tamperedFilesOf } from '../checker/integrity.ts';
import type { JsonReport } from '../checker/report/json.ts';
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
      rewrite(copy, 'checker/harness/joined.ts', (text) => text.replace('io.latencyMs * 2;', 'io.latencyMs * 20;')),
    );
    expect(verdict.shared).toMatchObject([{ file: 'checker/harness/joined.ts', change: 'changed' }]);
    expect(own).toEqual(verdict.shared);
  });

  it('a changed configuration: the vitest config, or the kata project the checker builds', () => {
    const config = verdictAfter((copy) => rewrite(copy, 'vitest.config.ts', (text) => text.replace('fileParallelism: false', 'fileParallelism: true')));
    expect(config.verdict.shared).toMatchObject([{ file: 'vitest.config.ts', change: 'changed' }]);
    const project = verdictAfter((copy) => rewrite(copy, 'checker/kata-project.ts', (text) => text.replace('testTimeout: 15_000', 'testTimeout: 1')));
    expect(project.verdict.shared).toMatchObject([{ file: 'checker/kata-project.ts', change: 'changed' }]);
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

describe('verify --strict from the command line', () => {
  it('grades a tampered exercise 0 points without running it, and lists the changed file', () => {
    const copy = copyKata([ID]);
    rewrite(copy, TEST_FILE, (text) => text.replace("describe('step 4:", "describe.skip('step 4:"));
    const result = kata(['verify', '--strict', '--json'], { cwd: copy.root });
    expect(result.status, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toMatchObject({ version: 2, status: 'failed', points: 0, maxPoints: 8 });
    expect(report.exercises[0]).toMatchObject({ id: ID, status: 'tampered', points: 0, tests: [], tampered: [{ file: TEST_FILE, change: 'changed' }] });
  });
});
