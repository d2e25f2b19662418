// The graders' formats, tested as functions on fixture reports: every verdict kind, every nasty
// character, and one promise above all: the totals agree in every format.
import type { ExerciseProgress } from '../checker/formats/progress-file.ts';
import { describe, expect, it } from 'vitest';
import { totals } from '../checker/grading/grade.ts';
import { classroomOutputLine, toClassroomResult } from '../checker/report/classroom.ts';
import { MAX_SUMMARY, annotations, jobSummary, workflowCommand } from '../checker/report/github.ts';
import { toJsonReport } from '../checker/report/json.ts';
import { toJunitXml } from '../checker/report/junit.ts';
import { locateNamedExport } from '../checker/report/locate.ts';
import { toResults } from '../checker/report/results.ts';
import { truncate } from '../checker/report/text.ts';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { EXERCISE, NASTY_MESSAGE, mixedReports } from './support/fixtures.ts';
import { classroomPoints, junitPoints, parseJunit } from './support/junit.ts';

const reports = mixedReports();
const exercises = reports.map((report) => ({ ...EXERCISE, id: report.id }));

describe('every reporter', () => {
  it('shows the same points and maximum as grade.ts, the single source of points', () => {
    const expected = totals(reports);
    expect(expected).toMatchObject({ points: 10, maxPoints: 24, passed: 1, total: 4, status: 'failed' });
    const json = toJsonReport(reports);
    expect({ points: json.points, maxPoints: json.maxPoints }).toEqual({ points: 10, maxPoints: 24 });
    expect(junitPoints(parseJunit(toJunitXml(reports)))).toEqual({ points: 10, maxPoints: 24 });
    expect(classroomPoints(toClassroomResult(reports))).toEqual({ points: 10, maxPoints: 24 });
    expect(jobSummary(reports, undefined)).toContain('| **10/24** |');
  });
});

describe('JSON report', () => {
  it('carries the tampered status with its files, and where a failure happened in the learner file', () => {
    const json = toJsonReport(reports);
    expect(json.version).toBe(3);
    expect(json.exercises.map((exercise) => exercise.status)).toEqual(['passed', 'failed', 'error', 'tampered']);
    expect(json.exercises[3]).toMatchObject({ points: 0, tampered: [{ file: 'exercises/10-tampered/example.test.ts', change: 'changed' }, { change: 'added' }] });
    expect(json.exercises[1]?.tests[1]?.location).toEqual({ file: 'exercises/08-failing/example.ts', line: 12 });
  });
});

describe('JUnit report', () => {
  const document = parseJunit(toJunitXml(reports));
  const suites = document.testsuites.testsuite;

  it('has one testsuite per exercise and one testcase per test, with the step and the time', () => {
    expect(suites.map((suite) => suite.name)).toEqual(['07-example: Example', '08-failing: Example', '09-broken: Example', '10-tampered: Example']);
    const [passed, failed] = suites;
    expect(passed?.testcase.map((test) => test.classname)).toEqual([
      '07-example › step 1: first',
      '07-example › step 2: second',
      '07-example › step 3: third',
    ]);
    expect(passed?.testcase[0]?.time).toBe('0.001');
    expect(failed?.testcase).toHaveLength(4);
    expect(failed?.testcase[3]?.classname).toBe('08-failing');
  });

  it('counts agree with the testcases, per suite and in total', () => {
    for (const suite of suites) {
      expect(Number(suite.tests)).toBe(suite.testcase.length);
      expect(Number(suite.failures)).toBe(suite.testcase.filter((test) => test.failure).length);
      expect(Number(suite.errors)).toBe(suite.testcase.filter((test) => test.error).length);
      expect(Number(suite.skipped)).toBe(suite.testcase.filter((test) => test.skipped).length);
    }
    const all = suites.flatMap((suite) => suite.testcase);
    expect(document.testsuites).toMatchObject({ tests: String(all.length), failures: '3', errors: '1', skipped: '1' });
  });

  it('keeps the teaching message whole, escaped, and drops only what XML cannot hold', () => {
    const failing = suites[1]?.testcase[1];
    expect(failing?.name).toBe('loadAll keeps <order> & "quotes"');
    expect(failing?.failure?.['#text']).toBe(NASTY_MESSAGE.replaceAll('\u001b', ''));
    expect(failing?.failure?.message).toBe('loadAll took 150 ms; expected <= 50 ms & "joined" isn\'t it?');
    expect(failing).toMatchObject({ file: 'exercises/08-failing/example.ts', line: '12' });
    expect(suites[0]?.testcase[2]?.skipped?.message).toBe('one core: skipped');
  });

  it('reports a broken exercise as an error and a tampered one as a failure listing the files', () => {
    expect(suites[2]?.testcase[0]?.error?.['#text']).toBe('SyntaxError: Unexpected token <');
    const tampered = suites[3]?.testcase[0];
    expect(tampered?.failure?.type).toBe('Tampered');
    expect(tampered?.failure?.['#text']).toContain('changed  exercises/10-tampered/example.test.ts');
    expect(suites[3]?.properties.property).toContainEqual({ name: 'status', value: 'tampered' });
  });
});

describe('GitHub Classroom result', () => {
  const result = toClassroomResult(reports);

  it('has the grading reporter\'s shape: one entry per step, scored with its points', () => {
    expect(result).toMatchObject({ version: 1, status: 'error', max_score: 24 });
    expect(result.tests).toHaveLength(4 * 3 + 1);
    expect(result.tests[0]).toEqual({
      name: '07-example · step 1: first',
      status: 'pass',
      score: 1,
      max_score: 1,
      message: '',
      test_code: 'npm run kata -- run 07-example',
      filename: 'exercises/07-example',
      line_no: 0,
      duration: 1,
    });
    const failedStep = result.tests.find((test) => test.name === '08-failing · step 2: second');
    expect(failedStep).toMatchObject({ status: 'fail', score: 0, filename: 'exercises/08-failing/example.ts', line_no: 12 });
    expect(failedStep?.message).toContain('loadAll keeps <order>');
    expect(result.tests.find((test) => test.name === '08-failing · outside any step')).toMatchObject({ status: 'fail', score: 0 });
    expect(result.tests.filter((test) => test.name.startsWith('09-broken')).map((test) => test.status)).toEqual(['error', 'error', 'error']);
    expect(result.tests.filter((test) => test.name.startsWith('10-tampered')).every((test) => test.score === 0 && test.message.includes('not the kata\'s own'))).toBe(true);
  });

  it('passes only when every exercise passed, and fails (not errors) without a broken exercise', () => {
    expect(toClassroomResult([reports[0]!]).status).toBe('pass');
    expect(toClassroomResult([reports[0]!, reports[1]!, reports[3]!]).status).toBe('fail');
  });

  it('hands the reporter action its base64 step output', () => {
    const line = classroomOutputLine(result);
    expect(line).toMatch(/^result=[A-Za-z0-9+/=]+\n$/);
    expect(JSON.parse(Buffer.from(line.slice('result='.length), 'base64').toString('utf8'))).toEqual(result);
  });
});

describe("exercism's results.json", () => {
  const schema = JSON.parse(readFileSync(new URL('./support/exercism-results-v3.schema.json', import.meta.url), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  const valid = (document: unknown) => {
    const ok = validate(document);
    return ok ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
  };

  it('follows the documented version 3 schema for every kind of verdict', () => {
    expect(valid(toResults(reports))).toEqual([]);
    expect(valid(toResults([reports[2]!]))).toEqual([]);
  });

  it('links each test to its step, fails what did not pass or run, and passes a declared skip that counts', () => {
    const document = toResults(reports);
    expect(document.status).toBe('fail');
    const names = document.tests.map((test) => `${test.status} ${test.task_id ?? '-'} ${test.name}`);
    expect(names).toContain('pass 3 07-example › step 3: third › speed-up');
    expect(names).toContain('fail 2 08-failing › step 2: second › loadAll keeps <order> & "quotes"');
    expect(document.tests.find((test) => test.name.endsWith('speed-up'))?.message).toBe('Skipped, and it counts: one core: skipped');
    expect(document.tests.find((test) => test.name.startsWith('09-broken'))).toMatchObject({ status: 'error', message: expect.stringContaining('SyntaxError') as string });
  });

  it('is an error, with the reason, only when nothing could run at all', () => {
    const document = toResults([reports[2]!, reports[3]!]);
    expect(document).toMatchObject({ status: 'error', message: expect.stringContaining('SyntaxError: Unexpected token <') as string });
    expect(toResults([reports[0]!]).status).toBe('pass');
  });
});

describe('GitHub Actions', () => {
  const sources: Record<string, string> = {
    'exercises/07-example/example.ts': 'export const X = 1;\n\nexport async function loadAll() {}\n',
  };

  it('annotates the first failure of each exercise on the learner file and line, escaped', () => {
    const found = annotations(reports, exercises, (file) => sources[file]);
    expect(found.map((annotation) => [annotation.file, annotation.line, annotation.title])).toEqual([
      ['exercises/08-failing/example.ts', 12, '08-failing · step 2: second'],
      ['exercises/09-broken/example.ts', undefined, '09-broken: could not be tested'],
      ['exercises/10-tampered/example.test.ts', undefined, '10-tampered: not graded (tampered)'],
    ]);
    const command = workflowCommand(found[0]!);
    expect(command).toMatch(/^::error file=exercises\/08-failing\/example\.ts,line=12,title=08-failing · step 2%3A second::loadAll keeps/);
    expect(command.trimEnd()).not.toMatch(/\n/);
    expect(command).toContain('100%25 done');
  });

  it('points at the exported function a failure names when the stack does not reach the learner file', () => {
    const source = sources['exercises/07-example/example.ts'] ?? '';
    expect(locateNamedExport(source, ['loadAll took 200 ms'])).toBe(3);
    expect(locateNamedExport(source, ['nothing here', 'but X is'])).toBe(1);
    expect(locateNamedExport(source, ['loadAllX'])).toBeUndefined();
  });

  it('writes a job summary: exercise, status, points, hints used, solution revealed early', () => {
    const progress = (id: string): ExerciseProgress =>
      id === '07-example' ? { done: true, hints: { '1': 1, '3': 1 }, solutionRevealed: 'early' } : { done: false, hints: {} };
    const summary = jobSummary(reports, progress);
    expect(summary).toMatch(/^## concurrency-kata: 10\/24 points, 1 of 4 exercises passed/);
    expect(summary).toMatch(/\| exercise +\| status +\| +points \| hints used \| solution revealed early \|/);
    expect(summary).toMatch(/\| 07-example · Example +\| ✅ passed +\| +6\/6 \| +2 \| yes +\|/);
    expect(summary).toMatch(/\| 10-tampered · Example +\| ⚠️ tampered \| +0\/6 \| +0 \| no +\|/);
    expect(summary).toContain('<details><summary>08-failing: step 2 › loadAll keeps &lt;order&gt; &amp; "quotes"</summary>');
    // The message holds a ``` run: the fence around it must be longer.
    expect(summary).toContain('````text');
    expect(jobSummary(reports, undefined)).toContain('this run had none');
  });

  it('keeps the job summary far below GitHub\'s 1 MiB cap whatever the messages hold', () => {
    const huge = mixedReports().map((report) => ({
      ...report,
      status: 'failed' as const,
      tests: [{ name: 'x', step: 1, status: 'failed' as const, message: 'y'.repeat(2_000_000), durationMs: 0 }],
    }));
    const many = Array.from({ length: 40 }, (_, i) => huge.map((report) => ({ ...report, id: `${report.id}-${i}` }))).flat();
    const summary = jobSummary(many, undefined);
    expect(Buffer.byteLength(summary)).toBeLessThan(MAX_SUMMARY + 16 * 1024);
    expect(summary).toContain('kept under 64 KiB');
    expect(summary.split('```').length % 2).toBe(1);
  });
});

describe('truncation', () => {
  it('keeps short text, cuts long text to the limit with a note, never half an emoji', () => {
    expect(truncate('short', 100)).toBe('short');
    const cut = truncate(`${'a'.repeat(299)}🧵${'b'.repeat(1000)}`, 400);
    expect(cut.length).toBeLessThanOrEqual(400);
    expect(cut).toMatch(/a{299}\n… \(1002 more characters/);
  });
});
