// Grading in CI, end to end: one real `verify` run of exercise 01's stub as a GitHub Actions job would
// run it, with every reporter at once. The formats themselves are tested in reporters.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClassroomResult } from '../checker/report/classroom.ts';
import { kata } from './support/cli.ts';
import { classroomPoints, junitPoints, parseJunit } from './support/junit.ts';

describe('verify in GitHub Actions', () => {
  it('prints the Classroom result, sets the step output, writes JUnit, the job summary and annotations', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-ci-'));
    const files = { junit: path.join(dir, 'junit.xml'), summary: path.join(dir, 'summary.md'), output: path.join(dir, 'output') };
    const result = kata(['verify', '1', '--classroom', '--junit', files.junit, '--no-strict'], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: files.summary, GITHUB_OUTPUT: files.output },
    });
    expect(result.status, result.stderr).toBe(1);

    const classroom = JSON.parse(result.stdout) as ClassroomResult;
    expect(classroom).toMatchObject({ version: 1, status: 'fail', max_score: 8 });
    expect(classroom.tests.map((test) => test.status)).toEqual(['fail', 'fail', 'fail', 'fail']);
    const output = readFileSync(files.output, 'utf8');
    expect(JSON.parse(Buffer.from(output.replace(/^result=/, ''), 'base64').toString('utf8'))).toEqual(classroom);

    const junit = parseJunit(readFileSync(files.junit, 'utf8'));
    expect(junitPoints(junit)).toEqual(classroomPoints(classroom));
    expect(junit.testsuites.testsuite[0]?.testcase.every((test) => test.failure)).toBe(true);

    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toMatch(/\| 01-async-join · Async join +\| ❌ failed +\| +0\/8 \| +– \| –/);
    expect(result.stderr).toMatch(/^::error file=exercises\/01-async-join\/join\.ts,line=\d+,title=01-async-join · step 1%3A join two waits::/m);
  });
});
